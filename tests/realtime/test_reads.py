"""realtime.reads.CoalescedRead: sockets asking together share one query, but never one that started
before they asked (so "join the group, then read" still holds)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from realtime.reads import CoalescedRead

pytestmark = [pytest.mark.asyncio]


async def test_callers_that_ask_together_share_one_read():
    calls = []
    read = CoalescedRead(lambda key: calls.append(key) or f"value of {key}")
    results = await asyncio.gather(*(read(7) for _ in range(100)), read(8))
    assert results == ["value of 7"] * 100 + ["value of 8"]
    assert sorted(calls) == [7, 8]


async def test_a_caller_arriving_during_a_read_gets_the_next_read():
    started, release = threading.Event(), threading.Event()
    value = {"stock": 1}

    def slow_read(key):
        seen = value["stock"]  # the snapshot this query sees
        started.set()
        release.wait(5)
        return seen

    read = CoalescedRead(slow_read)
    first = asyncio.ensure_future(read(1))
    await asyncio.to_thread(started.wait, 5)
    value["stock"] = 2  # committed after the first read began
    late = asyncio.ensure_future(read(1))
    release.set()
    assert await first == 1
    assert await late == 2
    assert read.queries == 2


async def test_an_error_reaches_every_caller_and_the_next_read_runs_again():
    attempts = []

    def failing(key):
        attempts.append(key)
        if len(attempts) == 1:
            raise RuntimeError("database away")
        return 5

    read = CoalescedRead(failing)
    results = await asyncio.gather(read(3), read(3), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await read(3) == 5
