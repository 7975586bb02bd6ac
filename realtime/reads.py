"""Coalesced database reads for the consumers' "current value".

A connect burst (a page reopened by thousands of browsers, every socket resyncing after Redis came back)
would otherwise run one query per socket, one after another on Channels' single sync thread. Here the
sockets asking for the same key share one query, run on the thread pool; but a socket only shares a query
that starts after it asked (after its group_add), so "join the group, then read" still guarantees that a
change committed in between is either in the value read or delivered after it. Reads of one key run one at
a time: those who ask while a read is running share the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

from channels.db import database_sync_to_async


class CoalescedRead:
    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self._read = database_sync_to_async(func, thread_sensitive=False)
        self.waiting: dict[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Future] = {}
        self.running: dict[tuple[asyncio.AbstractEventLoop, Hashable], asyncio.Future] = {}
        self.queries = 0

    async def __call__(self, key: Hashable) -> Any:
        slot = (asyncio.get_running_loop(), key)
        future = self.waiting.get(slot)
        if future is None:
            future = self.waiting[slot] = asyncio.get_running_loop().create_future()
            asyncio.ensure_future(self._run(slot, future))
        return await asyncio.shield(future)

    async def _run(self, slot: tuple, future: asyncio.Future) -> None:
        previous = self.running.get(slot)
        if previous is not None:
            await asyncio.wait([previous])
        del self.waiting[slot]  # whoever asks from now on shares the read after this one
        self.running[slot] = future
        try:
            self.queries += 1
            future.set_result(await self._read(slot[1]))
        except Exception as exc:  # noqa: BLE001 - handed to every caller
            future.set_exception(exc)
            future.exception()  # marked as retrieved even if every caller has gone
        finally:
            if self.running.get(slot) is future:
                del self.running[slot]
