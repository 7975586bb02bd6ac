"""How an app asks for background work: by actor name, after commit. The one seam between the apps and tasks/.

Each app has a small typed `jobs.py` (`commerce.orders.jobs.schedule_timeout(order_id)`) built on the three
calls here; the actors live in tasks/actors/ and call the app's services. Apps never import tasks/: a message
names its actor ("cancel_unpaid_order_task"), so the imports run one way (tasks -> apps) with no lazy import
hiding a circle. The actors are registered when Django starts (`tasks.apps`), in the web process as in the
worker, so an unknown name fails loudly at the first send (and `tests/tasks/test_jobs.py` checks every name).

- `send(actor_name, *args, delay_ms=...)`: enqueue now (an after-commit callback, an actor, a command).
- `send_on_commit(actor_name, *args, ...)`: enqueue once the current transaction commits; nothing on rollback;
  a broker failure after commit is logged, never raised into the request that committed.
- `schedule_durable(actor_name, *args, key=..., delay_seconds=...)`: a delayed job that must survive a
  crash: a `DurableJob` row written in the caller's transaction (tasks.durable runs it and the scheduler's
  dispatch tick re-sends what a SIGKILLed worker or a restarted Redis dropped). A job raises `RetryAt` to
  choose its next try.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import dramatiq
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

#: The actor that runs one durable job (tasks/actors/durable.py).
RUN_DURABLE_JOB = "run_durable_job_task"
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600


class RetryAt(Exception):  # noqa: N818 - an instruction, not a failure
    """Raised by a durable job to be tried again at `when` (the job itself chose the backoff)."""

    def __init__(self, when: datetime | None, error: str = "") -> None:
        super().__init__(error)
        self.when = when
        self.error = error


def backoff_seconds(attempts: int, *, base: int = BACKOFF_BASE_SECONDS, cap: int = BACKOFF_MAX_SECONDS) -> int:
    """Exponential backoff: base, 2*base, 4*base... after the 1st, 2nd, 3rd failure, capped at `cap`."""
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


def send(actor_name: str, *args, delay_ms: int | None = None) -> None:
    """Enqueue `actor_name(*args)` now (after `delay_ms` if given). Raises the broker's error, or
    dramatiq's ActorNotFound for a name no actor has."""
    actor = dramatiq.get_broker().get_actor(actor_name)
    actor.send_with_options(args=args, delay=int(delay_ms) if delay_ms else None)


def send_on_commit(actor_name: str, *args, delay_ms: int | None = None, using: str | None = None) -> None:
    """Enqueue `actor_name(*args)` once the current transaction commits (at once outside one)."""
    # A lambda, not functools.partial: Django 5.2 logs a failed robust hook by func.__qualname__.
    transaction.on_commit(lambda: send(actor_name, *args, delay_ms=delay_ms), using=using, robust=True)


def _durable_job_model():
    # The table belongs to tasks (the runner side); writing a row by model name keeps the import one-way.
    return apps.get_model("tasks", "DurableJob")


def schedule_durable(
    actor_name: str, *args, key: str, delay_seconds: float = 0, max_attempts: int = 10, using: str | None = None
):
    """Make sure `actor_name(*args)` runs at least once, `delay_seconds` from now; one live job per `key`.

    Call inside the transaction that makes the job necessary: no commit, no job. Scheduling an existing key
    re-arms it (not done, due at the new time, attempts from zero). Returns the `DurableJob` row.
    """
    job_model = _durable_job_model()
    due = timezone.now() + timedelta(seconds=delay_seconds)
    fields = {
        "actor_name": actor_name,
        "args": list(args),
        "due_at": due,
        "done_at": None,
        "dispatched_at": None,
        "attempts": 0,
        "max_attempts": max_attempts,
        "last_error": "",
    }
    with transaction.atomic(using=using):
        updated = job_model.objects.filter(key=key).update(**fields)
        if not updated:
            try:
                with transaction.atomic(using=using):
                    job_model.objects.create(key=key, **fields)
            except IntegrityError:  # created by a concurrent call a moment ago: re-arm that one
                job_model.objects.filter(key=key).update(**fields)
        job = job_model.objects.get(key=key)
    send_on_commit(RUN_DURABLE_JOB, job.pk, delay_ms=int(delay_seconds * 1000), using=using)
    return job
