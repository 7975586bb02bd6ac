"""A saved flash sale arms its start and end jobs in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from commerce.flashsales.models import FlashSale, SaleStatus


@receiver(post_save, sender=FlashSale, dispatch_uid="flashsales.sale_saved")
def sale_saved(sender: type[FlashSale], instance: FlashSale, **kwargs: Any) -> None:
    from commerce.flashsales.services import refresh_showcase, schedule_sale, update_gate_window

    sku_id = instance.sku_id
    transaction.on_commit(lambda: refresh_showcase(sku_id), robust=True)
    if instance.status == SaleStatus.ENDED:
        return
    schedule_sale(instance)
    if instance.status == SaleStatus.RUNNING:  # an edited window or limit reaches the gate
        sale_id = instance.pk
        transaction.on_commit(lambda: update_gate_window(sale_id), robust=True)
