"""The two cart calls orders makes, behind one seam (the cart app owns the storage)."""

from __future__ import annotations

from commerce.cart import services as cart_services


def selected_lines(*, user_id: int) -> dict[int, int]:
    """{sku_id: count} of the user's selected cart lines."""
    return {line.sku_id: line.count for line in cart_services.list_selected_lines(user_id=user_id)}


def remove(*, user_id: int, sku_ids: list[int]) -> None:
    """Drop the bought lines from the user's cart (after the order committed)."""
    cart_services.remove_lines(user_id=user_id, sku_ids=list(sku_ids))
