"""Payment jobs (SPEC F3, F4, F6, F7). Each takes ids, reloads what it needs and is safe to run twice.

The delayed ones (query, refund, sandbox notify) run as durable jobs (tasks.durable): a row per job, retried
with backoff by the row and re-sent by the scheduler's dispatch tick if a worker or Redis dropped it; Dramatiq's
own retries are off for them.

- `query_alipay_payment_task`: asks `alipay.trade.query` for an order whose payer came back without a
  notify having arrived; retries with backoff while the trade is still unpaid or Alipay is unreachable.
- `sweep_awaiting_payments_task` (cron): the same question for orders sent to the cashier a while ago and
  still unsettled (the payer never came back and no notify arrived).
- `refund_payment_task`: one `alipay.trade.refund` for a Refund row; the Refund keeps the error and the time
  of the next try, and the operator can retry it (services.retry_refund).
- `deliver_sandbox_notify_task`: the offline sandbox's notify POST (commerce.payments.sandbox.notify), retried
  until the shop answers "success", like Alipay's own notify schedule (shortened).
"""

from __future__ import annotations

import logging

import dramatiq

from commerce.errors import CommerceError
from commerce.payments import services
from commerce.payments.errors import RETRYABLE_CODES
from commerce.payments.sandbox.notify import deliver_notify
from commerce.payments.services import Outcome

logger = logging.getLogger(__name__)

SWEEP_MIN_AGE_SECONDS = 120


class PaymentStillPending(Exception):
    """The trade is not paid yet; raising it makes Dramatiq ask again later (with backoff)."""


@dramatiq.actor(max_retries=0, time_limit=60_000)
def query_alipay_payment_task(order_id: str) -> None:
    """Settle `order_id` from `alipay.trade.query` (F4); retried while unpaid or unreachable."""
    try:
        outcome = services.query_payment(order_id=str(order_id))
    except CommerceError as error:
        if error.code in RETRYABLE_CODES:
            raise  # Alipay unreachable or a system error: retry with backoff
        logger.error("trade query for order %s refused: %s (%s)", order_id, error.message, error.code)
        return
    if outcome is Outcome.PENDING:
        raise PaymentStillPending(f"order {order_id}: trade not paid yet")
    logger.info("trade query for order %s: %s", order_id, outcome.value)


@dramatiq.actor(max_retries=0, time_limit=600_000, max_age=10 * 60_000)
def sweep_awaiting_payments_task() -> None:
    """Query every order sent to the cashier over two minutes ago and not settled since (once each)."""
    for order_id in services.list_awaiting_orders(older_than_seconds=SWEEP_MIN_AGE_SECONDS):
        try:
            outcome = services.query_payment(order_id=order_id)
        except CommerceError as error:
            logger.warning("sweep: trade query for order %s failed: %s", order_id, error.code)
            continue
        if outcome is not Outcome.PENDING:
            logger.info("sweep: order %s %s", order_id, outcome.value)


@dramatiq.actor(max_retries=0, time_limit=60_000)
def refund_payment_task(refund_id: int) -> None:
    """Refund `refund_id` through Alipay (F6); retried while Alipay cannot be reached or asks to retry."""
    refund = services.execute_refund(refund_id=int(refund_id))  # raises RetryAt after a failed try
    logger.info("refund %s: %s", refund.out_request_no, refund.status)


@dramatiq.actor(max_retries=0, time_limit=60_000)
def deliver_sandbox_notify_task(app_id: str, out_trade_no: str) -> None:
    """The offline sandbox POSTs its signed notify for a trade until the shop answers "success" (F7)."""
    deliver_notify(app_id=str(app_id), out_trade_no=str(out_trade_no))
