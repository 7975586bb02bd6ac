"""The one place channel-layer group names are built.

Group names must be ASCII letters, digits, hyphens, underscores or periods and shorter than 100
characters (Channels' rule), so every name here is "<topic>.<id>". Publishers (realtime.publish) and
consumers (realtime.consumers.*) both call these functions; nobody spells a group name by hand.
"""

from __future__ import annotations


def stock_group(sku_id: int) -> str:
    """Everyone watching the stock of one SKU (SPEC G1): `stock.<sku_id>`."""
    return f"stock.{int(sku_id)}"


# Later realtime features add their builders here, e.g. (SPEC G2, G3):
#   def sms_group(session_key: str) -> str: "sms.<key>"   (one browser's pending SMS countdown)
#   def order_group(order_id: int) -> str: "order.<id>"   (the owner's open order pages)


def sms_group(session_key: str) -> str:
    """One browser's pending SMS resend countdown (SPEC G2): `sms.<session_key>`."""
    key = "".join(ch for ch in str(session_key) if ch.isascii() and ch.isalnum())[:64]
    return f"sms.{key}"


def order_group(order_id: str) -> str:
    """The owner's open pages of one order (SPEC G3): `order.<order_id>` (order numbers are digits)."""
    digits = "".join(ch for ch in str(order_id) if ch.isascii() and ch.isdigit())[:64]
    return f"order.{digits}"


def flash_group(sale_id: int, user_id: int) -> str:
    """One shopper's open pages of one flash sale (issue 17): `flash.<sale_id>.<user_id>`."""
    return f"flash.{int(sale_id)}.{int(user_id)}"


def flash_sale_group(sale_id: int) -> str:
    """Every logged-in page of one flash sale (issue 17): `flashsale.<sale_id>` (units left, sold out)."""
    return f"flashsale.{int(sale_id)}"
