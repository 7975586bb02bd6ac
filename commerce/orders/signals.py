"""Orders signal receivers: an operator's saved freight rule is read afresh once the save commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from commerce.orders.models import FreightRule
from commerce.orders.pricing import forget_freight_rule


@receiver(post_save, sender=FreightRule, dispatch_uid="orders.freight_rule_saved")
def freight_rule_saved(sender: type[FreightRule], instance: FreightRule, using: str, **kwargs: Any) -> None:
    transaction.on_commit(forget_freight_rule, using=using, robust=True)
