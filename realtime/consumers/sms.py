"""`/ws/sms/?mobile=<mobile>`: the resend countdown of this browser's pending SMS (SPEC G2).

The server drives it: on connect, and whenever this browser's session starts a new window (group
`sms_group(session_key)`, published by commerce.accounts.sms), the consumer sends the remaining seconds
read from the Redis TTL of the window key, once a second until 0. A reload therefore shows the true
remainder, not a fresh 60. Messages: {"type": "countdown", "mobile": "138...", "remaining": <int>}.
The client may switch mobiles with {"mobile": "139..."}. After the channel layer reconnected to Redis the
countdown is read and sent again (resync); while Redis is unreachable the ticker waits and retries.
The password-reset page knows only the masked number: it connects with ``?token=<step-2 token>``; the
consumer finds the mobile by the token and sends it masked ("138****5678"), never in full.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from redis.exceptions import RedisError

from commerce.accounts.services import mask_mobile
from commerce.accounts.sms import MOBILE_RE, resend_remaining
from realtime.base import LiveConsumer
from realtime.groups import sms_group

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0


class SmsCountdownConsumer(LiveConsumer):
    group: str | None = None
    mobile: str = ""
    masked: bool = False  # password reset: the browser knows only 138****5678; never send it the number
    ticker: asyncio.Task | None = None

    async def connect(self) -> None:
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.mobile = self._valid_mobile(query.get("mobile", [""])[0])
        token = query.get("token", [""])[0]
        if not self.mobile and token:
            self.mobile = await database_sync_to_async(_reset_token_mobile)(token)
            self.masked = bool(self.mobile)
        await self.accept()
        if self.session_key:
            self.group = sms_group(self.session_key)
            await self.channel_layer.group_add(self.group, self.channel_name)
        self.start_ticker()

    async def disconnect(self, code: int) -> None:
        self.stop_ticker()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and "mobile" in content and not self.masked:
            self.mobile = self._valid_mobile(content.get("mobile"))
            self.start_ticker()

    async def resync(self) -> None:
        self.start_ticker()

    async def sms_window(self, event: dict[str, Any]) -> None:
        """Group event: this browser just started a resend window for event["mobile"]."""
        self.mobile = self._valid_mobile(event.get("mobile"))
        self.start_ticker()

    # --- ticking ------------------------------------------------------------------------------------
    def start_ticker(self) -> None:
        self.stop_ticker()
        self.ticker = asyncio.ensure_future(self._tick())

    def stop_ticker(self) -> None:
        if self.ticker is not None and not self.ticker.done():
            self.ticker.cancel()
        self.ticker = None

    async def _tick(self) -> None:
        mobile = self.mobile
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                try:
                    remaining = await sync_to_async(resend_remaining, thread_sensitive=False)(
                        session_key=self.session_key, mobile=mobile
                    )
                except (RedisError, OSError) as exc:  # Redis down: keep the page's countdown, try again
                    logger.warning("SMS countdown cannot read Redis: %s", exc)
                    await asyncio.sleep(TICK_SECONDS)
                    continue
                shown = mask_mobile(mobile) if self.masked else mobile
                await self.send_json({"type": "countdown", "mobile": shown, "remaining": remaining})
                if remaining <= 0:
                    return
                await asyncio.sleep(TICK_SECONDS)

    @staticmethod
    def _valid_mobile(value: object) -> str:
        text = str(value or "").strip()
        return text if MOBILE_RE.match(text) else ""


def _reset_token_mobile(token: str) -> str:
    """The mobile behind a password-reset step token ("" when the token is bad or old)."""
    from commerce.accounts.services import read_reset_send_token
    from commerce.errors import CommerceError

    try:
        return read_reset_send_token(token[:500]).mobile
    except CommerceError:
        return ""
