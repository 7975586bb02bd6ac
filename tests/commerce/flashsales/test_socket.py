"""`/ws/flash/<sale_id>/` through the real ASGI stack and Redis channel layer: the shopper sees 排队中, then
抢购成功 with the order number once the worker placed the order; anonymous sockets are refused."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from commerce.flashsales import services
from config.asgi import application
from realtime.base import CLOSE_NOT_FOUND, CLOSE_NOT_LOGGED_IN
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.realtime.support import refused_with

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def socket(sale_id, session_key=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1:8000")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/flash/{sale_id}/", headers=headers)


def _setup():
    sale = make_sale(quantity=3)
    services.start_sale(sale.pk)
    user = shopper()
    return sale, user, session_of(user)


async def test_the_shopper_sees_queued_then_success_with_the_order_number():
    sale, user, session = await sync_to_async(_setup)()
    ws = socket(sale.pk, session)
    assert (await ws.connect())[0]
    assert await ws.receive_json_from(timeout=5) == {"type": "flash_status", "sale_id": sale.pk, "entries": []}

    result = await sync_to_async(services.press)(sale_id=sale.pk, user=user, request_id="req-socket-1", address="a")
    await sync_to_async(services.place_entry)(result.entry_id)
    message = await ws.receive_json_from(timeout=5)
    (entry,) = message["entries"]
    assert (entry["status"], entry["label"], entry["request_id"]) == ("placed", "抢购成功", "req-socket-1")
    assert entry["order_id"].isdigit()
    await ws.disconnect()

    again = socket(sale.pk, session)  # a reload shows the same
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["entries"][0]["order_id"] == entry["order_id"]
    await again.disconnect()


async def test_anonymous_and_malformed_sockets_are_refused():
    sale, _, session = await sync_to_async(_setup)()
    assert await refused_with(socket(sale.pk)) == CLOSE_NOT_LOGGED_IN
    assert await refused_with(socket("abc", session)) == CLOSE_NOT_FOUND


async def test_every_open_page_hears_when_the_last_unit_goes():
    def setup():
        sale = make_sale(quantity=1)
        services.start_sale(sale.pk)
        watcher, buyer = shopper(), shopper()
        return sale, session_of(watcher), buyer

    sale, watcher_session, buyer = await sync_to_async(setup)()
    ws = socket(sale.pk, watcher_session)
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["type"] == "flash_status"
    await sync_to_async(services.press)(sale_id=sale.pk, user=buyer, request_id="req-last-unit", address="b")
    assert await ws.receive_json_from(timeout=5) == {"type": "flash_left", "sale_id": sale.pk, "left": 0}
    await ws.disconnect()
