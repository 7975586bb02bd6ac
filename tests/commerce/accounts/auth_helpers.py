"""Helpers for the registration/login/SMS tests: they read server state the way a shopper reads a screen
or a phone — the captcha text from Redis by the uuid the page used, the SMS code from the backend's outbox."""

from __future__ import annotations

import uuid

from commerce.accounts.captcha import captcha_key
from commerce.accounts.redis_store import redis_client
from commerce.accounts.sms_backends import read_outbox
from tests.support import wait_until

PASSWORD = "Meihao-pass-123"


def captcha_text(captcha_id: str, timeout: float = 10.0) -> str:
    """The text behind the captcha image `captcha_id` (waits for the image request to store it)."""
    value = wait_until(lambda: redis_client().get(captcha_key(captcha_id)), timeout, f"captcha {captcha_id} stored")
    return value.decode()


def fresh_captcha(client) -> tuple[str, str]:
    """Load a captcha image like the page does; returns (uuid, text)."""
    captcha_id = str(uuid.uuid4())
    response = client.get(f"/image_codes/{captcha_id}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return captcha_id, captcha_text(captcha_id)


def request_code(client, mobile: str, purpose: str = "register", **extra):
    """POST /sms_codes/ with a freshly read captcha (unless image_code/image_code_id are given)."""
    data = {"mobile": mobile, "purpose": purpose, **extra}
    if "image_code_id" not in data:
        data["image_code_id"], data["image_code"] = fresh_captcha(client)
    return client.post("/sms_codes/", data)


def sms_outbox_code(mobile: str, timeout: float = 15.0, after: float = 0.0) -> str:
    """The newest code texted to `mobile` (sent after `after`), waiting for the Dramatiq worker."""

    def newest() -> str | None:
        return next((m["code"] for m in read_outbox(mobile) if m["sent_at"] >= after), None)

    return wait_until(newest, timeout, f"an SMS in the outbox for {mobile}")
