"""Abuse limits on the live sockets through the project's ASGI stack: a per-client-address cap refused with
4429 and a reason, the Origin check, and an order socket that ends when its session logs out."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from commerce.orders.services import mark_paid
from config.asgi import application
from realtime.base import CLOSE_NOT_LOGGED_IN, CLOSE_TOO_MANY
from tests.commerce.payments.conftest import place_alipay_order
from tests.factories import SKUFactory, ensure_beijing_areas
from tests.realtime.support import refused_with

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def _beijing_areas(transactional_db):
    ensure_beijing_areas()


def from_address(path: str, address: str, headers=None) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(application, path, headers=headers or [ORIGIN])
    ws.scope["client"] = [address, 40000]  # Daphne's peer address (or X-Forwarded-For with --proxy-headers)
    return ws


async def test_sockets_beyond_the_per_address_cap_are_refused_with_4429_and_a_reason(settings):
    settings.REALTIME_MAX_SOCKETS_PER_ADDRESS = 2
    sku = await sync_to_async(SKUFactory)(stock=5)
    path = f"/ws/stock/{sku.id}/"
    held = [from_address(path, "10.0.0.1") for _ in range(2)]
    for ws in held:
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["stock"] == 5

    assert await refused_with(from_address(path, "10.0.0.1")) == CLOSE_TOO_MANY

    neighbour = from_address(path, "10.0.0.2")  # another address is not affected
    assert (await neighbour.connect())[0]
    assert (await neighbour.receive_json_from(timeout=5))["stock"] == 5

    await held[0].disconnect()  # a closed socket frees its place
    again = from_address(path, "10.0.0.1")
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["stock"] == 5
    for ws in (held[1], neighbour, again):
        await ws.disconnect()


async def test_the_origin_check_is_kept():
    sku = await sync_to_async(SKUFactory)(stock=5)
    ws = from_address(f"/ws/stock/{sku.id}/", "10.0.0.3", headers=[(b"origin", b"http://evil.example")])
    connected, _ = await ws.connect()
    assert not connected


def logged_in_session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_an_order_socket_ends_with_4401_once_its_session_logged_out():
    order = await sync_to_async(place_alipay_order)()
    client = await sync_to_async(logged_in_session)(order.user)
    key = client.session.session_key
    ws = from_address(
        f"/ws/orders/{order.order_id}/", "10.0.0.4", headers=[ORIGIN, (b"cookie", f"sessionid={key}".encode())]
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["status"] == "unpaid"

    await sync_to_async(client.logout)()
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="t-logout", amount=order.pay_amount)

    said = await ws.receive_json_from(timeout=5)
    assert said == {"type": "refused", "code": CLOSE_NOT_LOGGED_IN, "reason": "not logged in"}
    assert (await ws.receive_output(timeout=5))["code"] == CLOSE_NOT_LOGGED_IN
