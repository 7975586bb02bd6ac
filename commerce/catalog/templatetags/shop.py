"""Shop template filters: `yuan` renders money as ¥ with two decimals (SPEC J)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def yuan(value) -> str:
    """1999 -> "¥1999.00"; None or garbage -> "" (never raises in a template)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    return f"¥{amount:.2f}"


@register.filter
def discount(price, market_price) -> str:
    """The saving against the market price as "¥300.00", or "" when there is none."""
    try:
        saving = Decimal(str(market_price)) - Decimal(str(price))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return yuan(saving) if saving > 0 else ""
