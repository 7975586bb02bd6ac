"""The freight rule in templates: `{% load freight %}{% freight_claim %}` and `{% freight_rule as rule %}`.

Every page that mentions shipping (product page, cart, checkout) reads the same FreightRule through
commerce.orders.pricing, so the claim and the amount charged can never disagree.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from commerce.orders.pricing import FreightPolicy, freight_rule

register = template.Library()


def _yuan_number(value) -> str:
    """99.00 -> "99", 49.90 -> "49.9" (for the short claim)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def claim_text(policy: FreightPolicy) -> str:
    if policy.always_free:
        return _("全场包邮")
    return _("满%(threshold)s包邮") % {"threshold": _yuan_number(policy.free_threshold)}


def rule_text(policy: FreightPolicy) -> str:
    if policy.always_free:
        return _("全场包邮，免运费")
    return _("商品金额满¥%(threshold)s免运费，不满收运费¥%(freight)s") % {
        "threshold": f"{policy.free_threshold:.2f}",
        "freight": f"{policy.freight:.2f}",
    }


@register.simple_tag
def freight_rule_policy() -> FreightPolicy:
    return freight_rule()


@register.simple_tag
def freight_claim() -> str:
    """The short claim of the current rule: "满99包邮" (or "全场包邮")."""
    return claim_text(freight_rule())


@register.simple_tag
def freight_rule_text() -> str:
    """The whole rule in one sentence: "商品满¥99.00免运费，不满收运费¥10.00"."""
    return rule_text(freight_rule())


@register.simple_tag
def freight_for(goods_amount) -> dict:
    """`{% freight_for amount as ship %}`: {"freight", "missing", "free", "policy"} for goods worth `amount`."""
    from decimal import Decimal, InvalidOperation

    try:
        goods = Decimal(str(goods_amount or 0))
    except InvalidOperation:
        goods = Decimal("0")
    policy = freight_rule()
    charged = policy.freight_for(goods)
    return {"freight": charged, "missing": policy.missing_for_free(goods), "free": not charged, "policy": policy}
