"""Any test order passes (issue 18): no test may leave the main thread with an event loop marked running
(Playwright's sync API does so while a browser lives; the browser fixture is module-scoped for that reason)."""

import asyncio

from asgiref.sync import async_to_sync


def test_the_main_thread_has_no_running_event_loop_between_modules():
    assert asyncio._get_running_loop() is None


def test_async_to_sync_works_in_the_main_thread():
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert async_to_sync(answer)() == 42
