"""Background work payments asks for (by actor name, see commerce.jobs); the actors live in tasks/actors/.

All three are durable jobs (a row in the caller's transaction, re-sent by the scheduler's dispatch tick if a
worker or Redis dropped the message); a job raises `commerce.jobs.RetryAt` to choose its next try.
"""

from __future__ import annotations

from django.conf import settings

from commerce import jobs

#: `alipay.trade.query` tries for one order before the sweep takes over.
QUERY_MAX_ATTEMPTS = 8
#: The sandbox's notify POSTs for one trade (Alipay's own schedule, shortened).
NOTIFY_MAX_ATTEMPTS = 8


def query_payment(order_id: str, *, max_attempts: int = QUERY_MAX_ATTEMPTS) -> None:
    """Ask `alipay.trade.query` about `order_id` ALIPAY_QUERY_DELAY_SECONDS from now, retried with backoff
    while the trade is unpaid or Alipay unreachable (`services.query_payment`)."""
    jobs.schedule_durable(
        "query_alipay_payment_task",
        order_id,
        key=f"payments.query:{order_id}",
        delay_seconds=int(settings.ALIPAY_QUERY_DELAY_SECONDS),
        max_attempts=max_attempts,
    )


def refund(refund_id: int, *, delay_seconds: float = 0, max_attempts: int) -> None:
    """Try refund `refund_id` through Alipay `delay_seconds` from now (`services.execute_refund`)."""
    jobs.schedule_durable(
        "refund_payment_task",
        refund_id,
        key=f"payments.refund:{refund_id}",
        delay_seconds=delay_seconds,
        max_attempts=max_attempts,
    )


def deliver_sandbox_notify(*, app_id: str, out_trade_no: str) -> None:
    """The offline sandbox POSTs its signed notify for a trade ALIPAY_SANDBOX_NOTIFY_DELAY_MS from now, until the
    shop answers "success" (`commerce.payments.sandbox.notify.deliver_notify`)."""
    jobs.schedule_durable(
        "deliver_sandbox_notify_task",
        app_id,
        out_trade_no,
        key=f"sandbox.notify:{app_id}:{out_trade_no}",
        delay_seconds=int(settings.ALIPAY_SANDBOX_NOTIFY_DELAY_MS) / 1000,
        max_attempts=NOTIFY_MAX_ATTEMPTS,
    )
