"""Durable delayed jobs: schedule in the caller's transaction, run idempotently, re-send what a crash dropped.

Apps schedule through their `jobs.py` and `commerce.jobs.schedule_durable` (by actor name, never importing
tasks); this module is the runner side, and keeps `schedule` as the same function for tasks/ and tests:

    commerce.jobs.schedule_durable("query_alipay_payment_task", order_id, key=f"payments.query:{order_id}",
                                   delay_seconds=3)

- `schedule` writes (or re-arms) a `DurableJob` row in the current transaction and, after commit, sends a
  Dramatiq message to run it at its due time: the fast path.
- `run_job` (the `run_durable_job_task` actor) claims the row (only when it is due and not done), calls the
  named actor's function in-process, and records the outcome: done, or the error and the next try (backoff).
  A job may raise `RetryAt(when, error)` to choose its own next try.
- `dispatch_due` (the scheduler's dispatch tick, every DURABLE_DISPATCH_SECONDS) re-sends every row that is
  due, not done and not sent in the last lease: what a SIGKILLed worker held in memory or a restarted Redis
  lost runs within one tick plus the grace. Duplicates are harmless: the claim lets one runner in, and every
  job is idempotent anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import dramatiq
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from commerce import jobs
from commerce.jobs import RetryAt, backoff_seconds, schedule_durable
from tasks.models import DurableJob

logger = logging.getLogger(__name__)

#: The apps' entry point, under the name tasks/ and the tests have always used.
schedule = schedule_durable
__all__ = ["RetryAt", "backoff_seconds", "schedule", "run_job", "dispatch_due"]

#: A runner that started a job owns it this long; after that the tick may hand it to another worker (the runner
#: was killed). Longer than any durable job may run (RUN_TIME_LIMIT_MS), short enough that a job whose worker
#: died mid-run is done again within about LEASE + GRACE + one tick (30 + 5 + 15 s) of its due time.
LEASE_SECONDS = 30
#: Dramatiq's time limit for one run (their Alipay / HTTP calls time out after ALIPAY_TIMEOUT_SECONDS, 15 s).
RUN_TIME_LIMIT_MS = 25_000
#: The tick leaves a due job this long to its own delayed message before re-sending it.
GRACE_SECONDS = 5
#: Done rows are kept this long for the record, then deleted by the tick.
KEEP_DONE_DAYS = 7


def _send(job_id: int, delay_ms: int = 0) -> None:
    jobs.send(jobs.RUN_DURABLE_JOB, job_id, delay_ms=delay_ms or None)


def run_job(job_id: int) -> bool:
    """Run durable job `job_id` if it is due and not done; True when this call completed it."""
    now = timezone.now()
    claimed = DurableJob.objects.filter(pk=job_id, done_at__isnull=True, due_at__lte=now + timedelta(seconds=2)).update(
        due_at=now + timedelta(seconds=LEASE_SECONDS), attempts=F("attempts") + 1
    )
    if not claimed:
        return False  # done, not due (backoff, or another runner holds it), or gone
    job = DurableJob.objects.get(pk=job_id)
    try:
        actor = dramatiq.get_broker().get_actor(job.actor_name)
        actor.fn(*job.args)
    except RetryAt as retry:
        _failed(job, error=retry.error or "retry", when=retry.when)
        return False
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the row and retried with backoff
        logger.warning("durable job %s failed (attempt %d): %r", job.key, job.attempts, error)
        when = None
        if job.attempts < job.max_attempts:
            when = timezone.now() + timedelta(seconds=backoff_seconds(job.attempts))
        _failed(job, error=repr(error), when=when)
        return False
    DurableJob.objects.filter(pk=job_id).update(done_at=timezone.now(), last_error="")
    return True


def _failed(job: DurableJob, *, error: str, when: datetime | None) -> None:
    if when is None:  # no further try: done, with the reason kept
        logger.error("durable job %s given up after %d attempts: %s", job.key, job.attempts, error)
        DurableJob.objects.filter(pk=job.pk).update(done_at=timezone.now(), last_error=f"放弃：{error}"[:300])
    else:
        DurableJob.objects.filter(pk=job.pk).update(due_at=when, dispatched_at=None, last_error=error[:300])
        # The fast path for the next try; the tick re-sends it if this message is lost too.
        delay = max(0.0, (when - timezone.now()).total_seconds())
        job_id, delay_ms = job.pk, int(delay * 1000)
        transaction.on_commit(lambda: _send(job_id, delay_ms), robust=True)


@dataclass
class DispatchResult:
    sent: int = 0
    deleted: int = 0


def dispatch_due(*, limit: int = 500) -> DispatchResult:
    """The tick: send every due job that nobody holds, oldest first; delete long-done rows."""
    now = timezone.now()
    lease_start = now - timedelta(seconds=LEASE_SECONDS)
    due = (
        DurableJob.objects.filter(done_at__isnull=True, due_at__lte=now - timedelta(seconds=GRACE_SECONDS))
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=lease_start))
        .order_by("due_at")
        .values_list("pk", "dispatched_at")[:limit]
    )
    result = DispatchResult()
    for job_id, dispatched_at in list(due):
        # Conditional: with two ticks at once (never meant to happen), one of them sends.
        if DurableJob.objects.filter(pk=job_id, dispatched_at=dispatched_at).update(dispatched_at=now):
            _send(job_id)
            result.sent += 1
    old = DurableJob.objects.filter(done_at__lte=now - timedelta(days=KEEP_DONE_DAYS)).values_list("pk", flat=True)
    old_ids = list(old[:1000])
    if old_ids:
        result.deleted = DurableJob.objects.filter(pk__in=old_ids).delete()[0]
    return result


def dispatch_seconds() -> int:
    return int(getattr(settings, "DURABLE_DISPATCH_SECONDS", 15))
