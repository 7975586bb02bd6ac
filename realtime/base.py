"""What every live socket shares: application close codes with a reason, and the resync after Redis returns.

Close codes (4000-4999 are the application's own). A refused socket is accepted, sent one message
{"type": "refused", "code": <code>, "reason": "<why>"} and closed with that code (the reason also rides on
the ASGI close message, for servers that forward it; Daphne 4 does not, hence the message).
  4401  not logged in (or logged out since)         the browser client does not reconnect
  4403  not yours (order of someone else / unknown)  the browser client does not reconnect
  4404  unknown or withdrawn thing (SKU)             the browser client does not reconnect
  4429  too many open sockets from this address      the browser client retries after its longest backoff
A refused Origin is Channels' AllowedHostsOriginValidator: the handshake itself is answered 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429

REASONS = {
    CLOSE_NOT_LOGGED_IN: "not logged in",
    CLOSE_FORBIDDEN: "not yours",
    CLOSE_NOT_FOUND: "not found",
    CLOSE_TOO_MANY: "too many open sockets from this address",
}


def refusal(code: int, reason: str | None = None) -> dict[str, Any]:
    """The last message a refused socket receives before its close frame."""
    return {"type": "refused", "code": code, "reason": reason or REASONS.get(code, "refused")}


class _ReceiveFailed:
    def __init__(self, error: Exception) -> None:
        self.error = error


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Base of the live-update consumers: `refuse()`, and `resync()` run when the channel layer tells the
    socket that Redis came back (realtime.layers.RESYNC_TYPE): whatever was published meanwhile is lost, so
    each consumer re-reads and re-sends its current value."""

    refused: int | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Channels' consumer loop, without a new task and an `asyncio.wait` per message.

        Channels waits on the socket and on the channel layer with `asyncio.wait(FIRST_COMPLETED)` over two
        tasks and creates a fresh `receive()` task after every message: a task, a wait set and four callbacks
        per delivered event per socket. With realtime.layers.RedisFanoutChannelLayer the consumer waits on its
        channel's queue alone and one long-lived task moves the socket's own ASGI messages into that queue's
        never-dropped lane. Other layers get Channels' loop.
        """
        layer = get_channel_layer(self.channel_layer_alias)
        if layer is None or not hasattr(type(layer), "inbox"):
            return await super().__call__(scope, receive, send)
        self.scope = scope
        self.channel_layer = layer
        self.channel_name = await layer.new_channel()
        self.channel_receive = functools.partial(layer.receive, self.channel_name)
        self.base_send = send
        inbox = layer.inbox(self.channel_name)

        async def pump() -> None:
            try:
                while True:
                    inbox.put_urgent(await receive())
            except Exception as exc:  # noqa: BLE001 - raised in the consumer's loop, as Channels' loop would
                inbox.put_urgent(_ReceiveFailed(exc))

        pumping = asyncio.ensure_future(pump())
        try:
            while True:
                message = await inbox.get()
                if isinstance(message, _ReceiveFailed):
                    raise message.error
                await self.dispatch(message)
        except StopConsumer:
            pass
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumping
            layer.forget(self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message hop through the one sync thread.

        AsyncConsumer.dispatch awaits `aclose_old_connections()` (a thread-sensitive sync_to_async) before
        every handler, so a group event fanned out to 1,000 sockets queued 1,000 calls behind each other on
        that single thread: 0.6-1.3 s to reach the last socket (docs/realtime.md). These handlers only touch
        the database through database_sync_to_async, which closes stale connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def refuse(self, code: int, reason: str | None = None) -> None:
        self.refused = code
        message = refusal(code, reason)
        await self.send_json(message)
        await self.close(code=code, reason=message["reason"])

    async def realtime_resync(self, event: dict[str, Any]) -> None:
        if self.refused is None:
            await self.resync()

    async def resync(self) -> None:
        """Send the current value again (override)."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients have nothing to say on these sockets unless a consumer says otherwise; ignored."""

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        """Malformed client frames are ignored instead of ending the consumer with an error."""
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
