"""Per-client-address cap on open websockets (settings.REALTIME_MAX_SOCKETS_PER_ADDRESS, per process).

Counted in this Daphne process's memory: it protects the process's memory and file descriptors from one
address opening thousands of sockets, costs nothing per message and keeps working while Redis is down.
Behind N processes an address may hold N times the cap. The address is the ASGI scope's client: Daphne's
peer, or the X-Forwarded-For address when Daphne runs with --proxy-headers behind a trusted proxy.
A socket over the cap is accepted, told why ({"type": "refused", "code": 4429, ...}) and closed with 4429.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from typing import Any

from django.conf import settings

from realtime.base import CLOSE_TOO_MANY, refusal

logger = logging.getLogger(__name__)


def client_address(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class SocketsPerAddressLimit:
    """ASGI middleware: websockets beyond the cap from one address are refused; HTTP passes through."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.open: Counter[str] = Counter()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        address = client_address(scope)
        limit = int(getattr(settings, "REALTIME_MAX_SOCKETS_PER_ADDRESS", 0) or 0)
        if limit > 0 and self.open[address] >= limit:
            logger.info("refused a websocket from %s: %s already open", address, self.open[address])
            return await refuse(receive, send, CLOSE_TOO_MANY)
        self.open[address] += 1
        try:
            return await self.inner(scope, receive, send)
        finally:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]


async def refuse(receive: Any, send: Any, code: int) -> None:
    """Accept the handshake, say why, close with `code` and wait (briefly) for the client's close."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    body = refusal(code)
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps(body)})
    await send({"type": "websocket.close", "code": code, "reason": body["reason"]})
    with contextlib.suppress(asyncio.TimeoutError):
        async with asyncio.timeout(5):
            while (await receive()).get("type") != "websocket.disconnect":
                pass
