"""Order jobs (SPEC E5): cancel an unpaid order when its time is up.

Two independent paths lead to the same service: a delayed message sent after each unpaid order commits
(`cancel_unpaid_order_task`, fires ORDER_UNPAID_TIMEOUT_SECONDS later), and the sweep that catches orders whose
message was lost (a SIGKILLed worker held it, a Redis restart dropped it): run by the scheduler's dispatch
tick every DURABLE_DISPATCH_SECONDS (tasks.actors.durable) and by `sweep_unpaid_orders_task` every minute. Both end in
`commerce.orders.services.expire_unpaid_order`, whose conditional state transition lets exactly one
canceller win and never cancels an order that was paid first; running either job twice is harmless.
"""

from __future__ import annotations

import logging

import dramatiq

from commerce.orders.services import cancel_expired_orders, expire_unpaid_order

logger = logging.getLogger(__name__)


@dramatiq.actor(max_retries=10, min_backoff=1_000, max_backoff=60_000, time_limit=60_000)
def cancel_unpaid_order_task(order_id: str) -> None:
    """Cancel order `order_id` if it is still unpaid past the timeout (otherwise do nothing)."""
    if expire_unpaid_order(order_id=str(order_id)):
        logger.info("order %s cancelled: unpaid past the timeout", order_id)


@dramatiq.actor(max_retries=3, min_backoff=5_000, time_limit=300_000, max_age=5 * 60_000)
def sweep_unpaid_orders_task() -> None:
    """Cancel every unpaid order past the timeout (the safety net for lost delayed messages)."""
    cancelled = cancel_expired_orders()
    if cancelled:
        logger.info("timeout sweep cancelled %d unpaid orders", cancelled)
