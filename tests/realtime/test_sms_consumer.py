"""SmsCountdownConsumer (SPEC G2) through the real ASGI stack: the remaining seconds of this browser's
pending resend window come from the Redis TTL, so reconnecting (a page reload) shows the true remainder."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from commerce.accounts import sms
from config.asgi import application
from tests.commerce.accounts.auth_helpers import request_code

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

MOBILE = "13612345678"


def browser(session_key: str | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://127.0.0.1:8000")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return headers


def send_from_new_browser(mobile: str = MOBILE) -> str:
    """A browser requests an SMS code through the real endpoint; returns its session key."""
    client = Client()
    assert request_code(client, mobile).status_code == 200
    return client.session.session_key


async def countdown(session_key: str | None, mobile: str = MOBILE) -> tuple[WebsocketCommunicator, dict]:
    ws = WebsocketCommunicator(application, f"/ws/sms/?mobile={mobile}", headers=browser(session_key))
    connected, _ = await ws.connect()
    assert connected
    return ws, await ws.receive_json_from(timeout=5)


async def test_countdown_survives_a_reload_with_the_true_remainder():
    session_key = await sync_to_async(send_from_new_browser)()
    ws, first = await countdown(session_key)
    assert first["type"] == "countdown" and first["mobile"] == MOBILE
    assert 58 <= first["remaining"] <= 60
    ticked = await ws.receive_json_from(timeout=3)  # the server keeps counting down once a second
    assert ticked["remaining"] < first["remaining"]
    await ws.disconnect()

    await asyncio.sleep(2.2)  # "reload" a couple of seconds later

    ws, again = await countdown(session_key)
    assert again["remaining"] <= first["remaining"] - 2
    assert again["remaining"] > 50
    ttl = await sync_to_async(sms.resend_remaining)(session_key=session_key, mobile=MOBILE)
    assert abs(ttl - again["remaining"]) <= 1
    await ws.disconnect()


async def test_another_browser_or_mobile_has_no_pending_window():
    session_key = await sync_to_async(send_from_new_browser)()
    ws, stranger = await countdown(None)
    assert stranger["remaining"] == 0
    await ws.disconnect()
    ws, other_mobile = await countdown(session_key, mobile="13612345679")
    assert other_mobile["remaining"] == 0
    await ws.disconnect()


async def test_countdown_ends_at_zero(settings):
    settings.SMS_RESEND_INTERVAL = 2
    session_key = await sync_to_async(send_from_new_browser)()
    ws, first = await countdown(session_key)
    assert 1 <= first["remaining"] <= 2
    seen = [first["remaining"]]
    while seen[-1] > 0:
        seen.append((await ws.receive_json_from(timeout=3))["remaining"])
    assert seen[-1] == 0
    assert await ws.receive_nothing(timeout=1.2)  # and then it stops
    await ws.disconnect()


def browser_on_register_page() -> tuple[Client, str]:
    """A browser that opened /register/: its client and session key (saved before any SMS was sent)."""
    client = Client()
    client.get("/register/")
    session = client.session  # the test client's session property reads and writes the database
    session.save()
    return client, session.session_key


async def test_a_send_from_this_browser_starts_the_countdown_on_its_open_socket():
    client, session_key = await sync_to_async(browser_on_register_page)()
    ws, idle = await countdown(session_key)
    assert idle["remaining"] == 0
    # same browser (same session cookie) asks for a code
    client.cookies["sessionid"] = session_key
    response = await sync_to_async(request_code)(client, MOBILE)
    assert response.status_code == 200
    started = await ws.receive_json_from(timeout=5)
    assert started["mobile"] == MOBILE and 58 <= started["remaining"] <= 60
    await ws.disconnect()


async def test_malformed_mobile_gets_zero():
    ws, message = await countdown(None, mobile="not-a-mobile")
    assert message == {"type": "countdown", "mobile": "", "remaining": 0}
    await ws.disconnect()


def reset_send_from_new_browser(mobile: str) -> tuple[str, str]:
    """Step 1 of the SMS password reset and the send of step 2; returns (session key, step-2 token)."""
    from urllib.parse import parse_qs, urlsplit

    from tests.commerce.accounts.auth_helpers import fresh_captcha
    from tests.factories import UserFactory

    UserFactory(username="reset_fan", mobile=mobile)
    client = Client()
    captcha_id, text = fresh_captcha(client)
    response = client.post("/password/sms/", {"username": "reset_fan", "image_code_id": captcha_id, "image_code": text})
    token = parse_qs(urlsplit(response["Location"]).query)["token"][0]
    assert client.post("/sms_codes/", {"purpose": "reset", "token": token}).status_code == 200
    return client.session.session_key, token


async def test_the_reset_page_counts_down_by_token_and_never_sees_the_number():
    mobile = "13612340000"
    session_key, token = await sync_to_async(reset_send_from_new_browser)(mobile)
    ws = WebsocketCommunicator(application, f"/ws/sms/?mobile=136****0000&token={token}", headers=browser(session_key))
    connected, _ = await ws.connect()
    assert connected
    first = await ws.receive_json_from(timeout=5)
    assert first["mobile"] == "136****0000" and 55 <= first["remaining"] <= 60
    await ws.disconnect()

    ws = WebsocketCommunicator(application, "/ws/sms/?mobile=136****0000&token=forged", headers=browser(session_key))
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=5))["remaining"] == 0
    await ws.disconnect()
