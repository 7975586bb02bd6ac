"""The shop's one money formatter (SPEC J: yuan shown as ¥ with two decimals).

Used by the storefront's `yuan` template filter, the admin's columns and charts, and the dashboard's CSV export,
so a price reads the same everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_yuan(value) -> Decimal | None:
    """`value` (Decimal, int, float or text) rounded half-up to the fen; None for None, "" or garbage."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return amount if amount.is_finite() else None


def format_yuan(value, *, symbol: bool = True, grouping: bool = False) -> str:
    """1999 -> "¥1999.00"; ``grouping`` -> "¥1,999.00"; ``symbol=False`` -> "1999.00" (spreadsheets read it as a
    number). None or garbage -> "" (never raises: templates and exports call it on whatever they have)."""
    amount = to_yuan(value)
    if amount is None:
        return ""
    text = f"{amount:,.2f}" if grouping else f"{amount:.2f}"
    return f"¥{text}" if symbol else text
