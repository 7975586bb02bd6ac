"""Browsing history (SPEC A8): the last five SKUs a logged-in shopper opened, newest first, no duplicates.

One Redis list per user (`history:<user_id>`), written in a single MULTI/EXEC pipeline so concurrent
visits never leave a duplicate or a sixth entry. The SKU detail view (catalog) announces each view with
`commerce.catalog.sku_page.sku_viewed`; `sku_viewed_by`, connected in AccountsConfig.ready, records it.
"""

from __future__ import annotations

import logging

from django_redis import get_redis_connection

from commerce.accounts.errors import AccountErrorCode
from commerce.catalog.models import SKU

logger = logging.getLogger(__name__)

HISTORY_LENGTH = 5


class UnknownSKU(Exception):
    """The SKU does not exist or is not on sale."""

    code = AccountErrorCode.UNKNOWN_SKU

    def __init__(self, sku_id: object) -> None:
        self.sku_id = sku_id
        super().__init__(f"SKU {sku_id!r} does not exist or is not launched")


def _key(user_id: int) -> str:
    return f"history:{int(user_id)}"


def record_visit(*, user_id: int, sku_id: int) -> None:
    """Put `sku_id` at the head of the user's history, dropping an older copy and anything past the fifth.

    Trusts that the SKU exists (the detail view has just loaded it); the JSON endpoint checks first.
    """
    redis = get_redis_connection("default")
    key = _key(user_id)
    pipeline = redis.pipeline(transaction=True)
    pipeline.lrem(key, 0, int(sku_id))
    pipeline.lpush(key, int(sku_id))
    pipeline.ltrim(key, 0, HISTORY_LENGTH - 1)
    pipeline.execute()


def sku_viewed_by(sender: object, *, sku_id: int, user: object = None, **kwargs: object) -> None:
    """Receiver of catalog's `sku_viewed`: a logged-in shopper opened a product page."""
    if user is not None:
        record_visit(user_id=user.pk, sku_id=sku_id)


def add_visit(*, user_id: int, sku_id: int) -> SKU:
    """`record_visit` for input from a client: raises UnknownSKU unless the SKU exists and is launched."""
    sku = SKU.objects.filter(pk=sku_id, is_launched=True).first() if 0 < sku_id < 2**63 else None
    if sku is None:
        raise UnknownSKU(sku_id)
    record_visit(user_id=user_id, sku_id=sku.pk)
    return sku


def list_recent_sku_ids(*, user_id: int) -> list[int]:
    """The stored ids, newest first (may include SKUs since taken off sale)."""
    raw = get_redis_connection("default").lrange(_key(user_id), 0, HISTORY_LENGTH - 1)
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            logger.warning("Ignoring a malformed browsing-history entry %r for user %s", value, user_id)
    return ids


def list_recent_skus(*, user_id: int) -> list[SKU]:
    """The user's recently viewed SKUs that are still launched, newest first (at most five)."""
    ids = list_recent_sku_ids(user_id=user_id)
    if not ids:
        return []
    found = SKU.objects.filter(pk__in=ids, is_launched=True).select_related("default_image").in_bulk()
    return [found[i] for i in ids if i in found]


def clear_history(*, user_id: int) -> None:
    """Forget the user's browsing history."""
    get_redis_connection("default").delete(_key(user_id))
