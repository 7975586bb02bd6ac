"""Development and test backend: logs the message and keeps it in a Redis list (newest first), so a
test reads the code the way a shopper reads their phone, never from the page."""

from __future__ import annotations

import json
import logging
import time

from commerce.accounts.redis_store import redis_client
from commerce.accounts.sms_backends.base import SmsBackend

logger = logging.getLogger(__name__)

OUTBOX_KEY = "mh:sms:outbox"
OUTBOX_SIZE = 200


class OutboxBackend(SmsBackend):
    def send_code(self, *, mobile: str, code: str, minutes: int, purpose: str) -> None:
        text = f"【美好商城】您的验证码是{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
        message = {"mobile": mobile, "code": code, "purpose": purpose, "text": text, "sent_at": time.time()}
        client = redis_client()
        client.lpush(OUTBOX_KEY, json.dumps(message, ensure_ascii=False))
        client.ltrim(OUTBOX_KEY, 0, OUTBOX_SIZE - 1)
        logger.info("SMS (outbox) to %s: %s", mobile, text)


def read_outbox(mobile: str | None = None) -> list[dict]:
    """Messages in the outbox, newest first, optionally only those to `mobile`."""
    messages = [json.loads(raw) for raw in redis_client().lrange(OUTBOX_KEY, 0, -1)]
    return [m for m in messages if mobile is None or m["mobile"] == mobile]
