"""Shop template filters: `yuan` renders money as ¥ with two decimals (SPEC J); `safe_href` keeps editor links
to http(s) and local paths."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from commerce.links import is_safe_link
from commerce.money import format_yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """1999 -> "¥1999.00"; None or garbage -> "" (never raises in a template): `commerce.money.format_yuan`."""
    return format_yuan(value)


@register.filter
def discount(price, market_price) -> str:
    """The saving against the market price as "¥300.00", or "" when there is none."""
    try:
        saving = Decimal(str(market_price)) - Decimal(str(price))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return yuan(saving) if saving > 0 else ""


@register.filter
def safe_href(value) -> str:
    """`value` when it is an http(s) URL or a local path, else "#" (never ``javascript:`` in an href)."""
    return str(value).strip() if value and is_safe_link(value) else "#"
