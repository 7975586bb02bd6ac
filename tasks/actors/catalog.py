"""Catalog jobs: publishing live stock (SPEC G1), flushing visit counts (SPEC B4).

Enqueued after commit by commerce.catalog.stock.stock_changed, and again by the dispatch tick when a push is
overdue (its message was lost). Safe to run twice or out of order: the actor carries only the SKU id and
always publishes the stock committed at the moment it runs.
"""

from __future__ import annotations

import logging

import dramatiq
from django.core.cache import cache

from commerce.catalog.services import flush_visits, send_low_stock_alert
from commerce.catalog.stock import get_current_stock, push_done, push_started
from realtime.publish import publish_stock

logger = logging.getLogger(__name__)

# Serialises read-then-publish per SKU: with several worker threads/processes, a job that read an older
# stock could otherwise publish it after a job that read the newer one, leaving pages on a stale number.
LOCK_SECONDS = 10


@dramatiq.actor(max_retries=5, min_backoff=500, max_backoff=30_000, time_limit=30_000, max_age=10 * 60_000)
def publish_stock_task(sku_id: int) -> None:
    """Publish SKU `sku_id`'s current stock to its `stock.<id>` group; a deleted SKU is skipped."""
    lock = cache.lock(f"lock:publish-stock:{sku_id}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
    with lock:  # raises LockError after blocking_timeout: Dramatiq retries with backoff
        started = push_started()
        stock = get_current_stock(sku_id)
        if stock is None:
            logger.info("SKU %s no longer exists; no stock to publish", sku_id)
        else:
            publish_stock(sku_id, stock)
        push_done(sku_id, started)  # the dispatch tick re-sends it if this never runs (worker killed)


@dramatiq.actor(max_retries=3, min_backoff=1_000, max_backoff=30_000, time_limit=120_000, max_age=10 * 60_000)
def flush_visits_task() -> None:
    """Move the visit counts gathered in Redis into the database (SPEC B4); exactly once, safe to run twice."""
    added = flush_visits()
    if added:
        logger.info("flushed %d category visits", added)


@dramatiq.actor(max_retries=3, time_limit=60_000)
def low_stock_alert_task() -> None:
    """Daily: mail staff the launched SKUs at or below their low-stock threshold (nothing when none)."""
    count = send_low_stock_alert()
    logger.info("low-stock alert: %d SKUs", count)
