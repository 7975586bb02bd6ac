"""Stock reads for live updates and the after-commit hook that announces stock changes.

Anything that changes `SKU.stock` calls `stock_changed(sku_id=...)` inside its transaction: ORM saves do
it through the post_save signal (commerce.catalog.signals), while conditional `UPDATE ... WHERE stock >= n`
statements in the orders code bypass signals and must call it themselves. The publish happens only after
the surrounding transaction commits (nothing at all on rollback), in a Dramatiq worker that re-reads the
stock, so every open detail page converges on the committed value.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from commerce.catalog.models import SKU

logger = logging.getLogger(__name__)

# Primary keys are 64-bit; anything longer than this cannot be an SKU id (and would overflow the query).
MAX_SKU_ID = 2**63 - 1


def get_current_stock(sku_id: int) -> int | None:
    """The committed stock of SKU `sku_id`, or None when no such SKU exists."""
    if not 0 < sku_id <= MAX_SKU_ID:
        return None
    return SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first()


def get_launched_stock(sku_id: int) -> int | None:
    """The stock of SKU `sku_id` if it is on sale (launched), else None (unknown or withdrawn)."""
    if not 0 < sku_id <= MAX_SKU_ID:
        return None
    return SKU.objects.filter(pk=sku_id, is_launched=True).values_list("stock", flat=True).first()


def stock_changed(*, sku_id: int, using: str | None = None) -> None:
    """Schedule a live-stock publish for `sku_id` once the current transaction commits.

    Outside a transaction it is scheduled immediately; on rollback nothing is sent. A broker failure after
    commit is logged, never raised into the request that committed (robust on_commit).
    """
    from tasks.actors.catalog import publish_stock_task  # tasks depends on catalog, not the reverse at import

    transaction.on_commit(partial(publish_stock_task.send, int(sku_id)), using=using, robust=True)
