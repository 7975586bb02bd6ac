"""Helpers for the registration/login/SMS tests: they read server state the way a shopper reads a screen
or a phone — the captcha text from Redis by the uuid the page used, the SMS code from the backend's outbox."""

from __future__ import annotations

import time
import uuid

from commerce.accounts.captcha import captcha_key
from commerce.accounts.redis_store import redis_client
from commerce.accounts.sms_backends import read_outbox

PASSWORD = "Meihao-pass-123"


def captcha_text(captcha_id: str, timeout: float = 10.0) -> str:
    """The text behind the captcha image `captcha_id` (waits for the image request to store it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = redis_client().get(captcha_key(captcha_id))
        if value:
            return value.decode()
        time.sleep(0.05)
    raise AssertionError(f"no captcha stored for {captcha_id}")


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in read_outbox(mobile):
            if message["sent_at"] >= after:
                return message["code"]
        time.sleep(0.05)
    raise AssertionError(f"no SMS reached the outbox for {mobile}")
