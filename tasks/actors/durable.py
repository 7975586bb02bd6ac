"""The durable-job runner and the scheduler's dispatch tick (SPEC H: a worker crash loses no job).

- `run_durable_job_task(job_id)`: runs one `tasks.models.DurableJob` (see tasks.durable); never retried by
  Dramatiq itself: the row keeps the attempts, the error and the next try.
- `dispatch_due_jobs_task` (every DURABLE_DISPATCH_SECONDS from the scheduler): the recovery path of every
  delayed job kind. It re-sends due durable jobs (refund tries, trade queries, sandbox notifies), trailing
  stock pushes past their time, and cancels unpaid orders past the timeout. Whatever a SIGKILLed worker held
  in memory or a restarted Redis dropped is therefore done within one tick (plus a few seconds of grace).
"""

from __future__ import annotations

import logging

import dramatiq

from commerce.catalog.stock import send_overdue_stock_pushes
from commerce.orders.services import cancel_expired_orders
from tasks import durable

logger = logging.getLogger(__name__)


@dramatiq.actor(max_retries=0, time_limit=durable.RUN_TIME_LIMIT_MS)
def run_durable_job_task(job_id: int) -> None:
    """Run durable job `job_id` when it is due (a duplicate or early message does nothing)."""
    durable.run_job(int(job_id))


@dramatiq.actor(max_retries=0, time_limit=300_000, max_age=5 * 60_000)
def dispatch_due_jobs_task() -> None:
    """Re-send or do every delayed job that is due and that no message is carrying any more."""
    jobs = durable.dispatch_due()
    pushes = send_overdue_stock_pushes()
    cancelled = cancel_expired_orders()
    if jobs.sent or pushes or cancelled:
        logger.info(
            "dispatch tick: %d durable jobs and %d stock pushes re-sent; %d unpaid orders cancelled",
            jobs.sent,
            pushes,
            cancelled,
        )
