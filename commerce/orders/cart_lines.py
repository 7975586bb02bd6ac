"""The cart calls orders makes, behind one seam (the cart app owns the storage).

The checkout page goes through `commerce.cart.services`. Placement, which runs on every order of a hot SKU,
reads and clears the same Redis cart as commands of its own pipeline (`queue_*` + `parse_selected`), so the
token claim and the cart read share one round trip, and the after-commit token answer, cart cleanup and
stock announcements share another. The layout used is the one `commerce.cart.storage` documents and names
(`cart_key`: hash sku id -> count, `selected_key`: set of selected sku ids); malformed entries are skipped
the way `RedisCart.items` skips them.
"""

from __future__ import annotations

import logging

from commerce.cart import services as cart_services
from commerce.cart.storage import cart_key, selected_key

logger = logging.getLogger(__name__)


def selected_lines(*, user_id: int) -> dict[int, int]:
    """{sku_id: count} of the user's selected cart lines."""
    return {line.sku_id: line.count for line in cart_services.list_selected_lines(user_id=user_id)}


def remove(*, user_id: int, sku_ids: list[int]) -> None:
    """Drop the bought lines from the user's cart (after the order committed)."""
    cart_services.remove_lines(user_id=user_id, sku_ids=list(sku_ids))


def queue_selected_lines(pipe, *, user_id: int) -> None:
    """Two commands on the caller's pipeline; pass their two results to `parse_selected`."""
    pipe.hgetall(cart_key(user_id))
    pipe.smembers(selected_key(user_id))


def _to_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_selected(counts: dict, selected: set) -> dict[int, int]:
    """{sku_id: count} of the selected lines, from the results of `queue_selected_lines`, by sku id."""
    chosen = {_to_int(member) for member in selected}
    lines: dict[int, int] = {}
    for raw_id, raw_count in counts.items():
        sku_id, count = _to_int(raw_id), _to_int(raw_count)
        if sku_id is None or count is None or count <= 0:
            logger.warning("ignoring malformed redis cart entry %r=%r", raw_id, raw_count)
            continue
        if sku_id in chosen:
            lines[sku_id] = count
    return dict(sorted(lines.items()))


def queue_remove(pipe, *, user_id: int, sku_ids: list[int]) -> None:
    """`remove` as commands of the caller's pipeline."""
    if sku_ids:
        pipe.hdel(cart_key(user_id), *sku_ids)
        pipe.srem(selected_key(user_id), *sku_ids)
