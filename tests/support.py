"""Helpers every test package shares: wait on a condition (never sleep-then-assert), run a function in threads.

from tests.support import run_in_threads, wait_until, wait_until_async
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 30,
    what: str = "condition",
    interval: float = 0.05,
    ignore: tuple[type[Exception], ...] = (),
) -> T:
    """Call `predicate` until it returns something truthy and return that; AssertionError after `timeout` s.

    Exceptions of the `ignore` types count as "not yet" (a service that is still starting); the last one is
    named in the error."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
        except ignore as error:
            last_error, value = error, None
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], Awaitable[T]], timeout: float = 30, what: str = "condition", interval: float = 0.02
) -> T:
    """`wait_until` for a coroutine predicate inside an event loop (sleeps without blocking the loop)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


def run_in_threads(fn: Callable[[int], object], n: int, *, timeout: float = 120) -> list[tuple[str, object]]:
    """Run fn(i) for i in range(n) in n threads released at once; returns [("ok"|"err", value)] in order.

    Each thread closes its own database connection at the end (Django opens one per thread)."""
    from django.db import connection

    barrier = threading.Barrier(n)
    results: list[tuple[str, object] | None] = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", fn(i))
        except BaseException as error:  # collected and asserted by the test
            results[i] = ("err", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results  # type: ignore[return-value]
