"""The scheduler on several machines (SPEC H, M): `manage.py scheduler` (the Procfile's scheduler) stays up as
a standby while another leads, takes over within 60 s of the leader being SIGKILLed, and no tick of any cron
job is ever enqueued twice, not even when a frozen leader wakes up after a standby took its place."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest
from django_redis import get_redis_connection

from tests.processes import Child, child_env, wait_until

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]

TICK = 5  # DURABLE_DISPATCH_SECONDS for this test: the dispatch tick every 5 s on the wall clock
DISPATCH = "dispatch_due_jobs_task"


def enqueued() -> list[tuple[str, int]]:
    """(actor, scheduled slot) of every message the schedulers put in the broker (no worker consumes them)."""
    redis = get_redis_connection("default")
    found = []
    for key in redis.scan_iter(match="mh-dramatiq:*.msgs"):
        for raw in redis.hvals(key):
            message = json.loads(raw)
            period = TICK if message["actor_name"] == DISPATCH else 60
            found.append((message["actor_name"], message["message_timestamp"] // 1000 // period))
    return found


def ticks() -> int:
    return sum(1 for actor, _ in enqueued() if actor == DISPATCH)


def test_a_standby_scheduler_takes_over_and_no_tick_is_ever_sent_twice(tmp_path):
    env = child_env(
        tmp_path,
        DURABLE_DISPATCH_SECONDS=str(TICK),
        SCHEDULER_LOCK_SECONDS="5",  # 10 s by default; shorter here to keep the test short
        SCHEDULER_LOCK_REFRESH_SECONDS="1",
    )
    first = Child.manage("scheduler-1", "scheduler", env=env, log_dir=tmp_path)
    first.wait_for_output("leader: took the lock", 60)
    second = Child.manage("scheduler-2", "scheduler", env=env, log_dir=tmp_path)
    try:
        second.wait_for_output("standby: another scheduler holds the lock", 60)
        wait_until(lambda: ticks() >= 1, 30, "the leader's ticks", first, second)

        # The leader dies without any cleanup: its lock expires and the standby takes over.
        first.kill()
        killed = time.monotonic()
        before = ticks()
        second.wait_for_output("leader: took the lock", 60)
        takeover = time.monotonic() - killed
        wait_until(lambda: ticks() >= before + 1, 30, "the new leader's ticks", second)
        assert second.alive()
        print(f"\nstandby took over {takeover:.1f} s after the leader's SIGKILL")
        assert takeover < 60

        # A leader frozen past its lock (SIGSTOP) wakes up after a new standby led: it must not tick again.
        third = Child.manage("scheduler-3", "scheduler", env=env, log_dir=tmp_path)
        third.wait_for_output("standby: another scheduler holds the lock", 60)
        second.signal(signal.SIGSTOP)
        third.wait_for_output("leader: took the lock", 60)
        second.signal(signal.SIGCONT)
        second.wait_for_output("back to standby", 30)
        before = ticks()
        wait_until(lambda: ticks() >= before + 2, 30, "the third leader's ticks", third, second)
        assert second.alive() and third.alive()
        third.stop()
    finally:
        first.stop()
        second.stop()

    sent = enqueued()
    twice = {tick: n for tick, n in Counter(sent).items() if n > 1}
    assert not twice, twice
    assert sum(1 for actor, _ in sent if actor == DISPATCH) >= 4
