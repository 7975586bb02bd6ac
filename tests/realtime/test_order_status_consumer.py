"""OrderStatusConsumer (SPEC F5, G3) through the project's real ASGI stack and Redis channel layer: the owner
sees the status on connect and every committed change; anyone else is refused with a close code."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from commerce.orders.services import cancel_order, mark_paid, ship_order
from config.asgi import application
from realtime.consumers.orders import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN
from tests.commerce.payments.conftest import place_alipay_order
from tests.factories import UserFactory, ensure_beijing_areas
from tests.realtime.support import refused_with

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _beijing_areas(transactional_db):
    ensure_beijing_areas()


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def socket(order_id: str, session_key: str | None = None, language: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1:8000")]
    cookies = []
    if session_key:
        cookies.append(f"sessionid={session_key}")
    if language:
        cookies.append(f"django_language={language}")
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    return WebsocketCommunicator(application, f"/ws/orders/{order_id}/", headers=headers)


async def test_the_owner_gets_the_status_on_connect_and_every_change():
    order = await sync_to_async(place_alipay_order)()
    ws = socket(order.order_id, await sync_to_async(session_of)(order.user))
    assert (await ws.connect())[0]
    assert await ws.receive_json_from(timeout=5) == {
        "type": "order_status",
        "order_id": order.order_id,
        "status": "unpaid",
        "label": "待支付",
    }

    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="t1", amount=order.pay_amount)
    assert (await ws.receive_json_from(timeout=5))["label"] == "待发货"
    await sync_to_async(ship_order)(order_id=order.order_id)
    assert (await ws.receive_json_from(timeout=5))["status"] == "unreceived"
    await ws.disconnect()


async def test_shipping_pushes_the_carrier_and_tracking_number_in_the_pages_language():
    order = await sync_to_async(place_alipay_order)()
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="t1", amount=order.pay_amount)
    key = await sync_to_async(session_of)(order.user)
    ws = socket(order.order_id, key, language="en")
    assert (await ws.connect())[0]
    assert "shipment" not in await ws.receive_json_from(timeout=5)

    await sync_to_async(ship_order)(order_id=order.order_id, carrier="sf", tracking_no="SF1234567890")

    assert (await ws.receive_json_from(timeout=5))["shipment"] == {
        "carrier": "sf",
        "carrier_label": "SF Express",
        "tracking_no": "SF1234567890",
    }
    await ws.disconnect()
    again = socket(order.order_id, key)  # a page opened later gets it on connect, in Chinese by default
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["shipment"]["carrier_label"] == "顺丰速运"
    await again.disconnect()


async def test_a_second_tab_and_other_orders_do_not_mix():
    order = await sync_to_async(place_alipay_order)()
    other = await sync_to_async(place_alipay_order)(order.user)
    key = await sync_to_async(session_of)(order.user)
    tabs = [socket(order.order_id, key) for _ in range(2)]
    bystander = socket(other.order_id, key)
    for ws in [*tabs, bystander]:
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["status"] == "unpaid"

    await sync_to_async(cancel_order)(order_id=order.order_id, reason="test")

    for ws in tabs:
        assert (await ws.receive_json_from(timeout=5))["status"] == "canceled"
    assert await bystander.receive_nothing(timeout=0.3)
    for ws in [*tabs, bystander]:
        await ws.disconnect()


async def test_the_label_follows_the_language_cookie():
    order = await sync_to_async(place_alipay_order)()
    ws = socket(order.order_id, await sync_to_async(session_of)(order.user), language="en")
    assert (await ws.connect())[0]
    message = await ws.receive_json_from(timeout=5)
    assert message["status"] == "unpaid" and message["label"]
    await ws.disconnect()


async def test_another_users_subscription_is_refused_and_hears_nothing():
    order = await sync_to_async(place_alipay_order)()
    stranger = await sync_to_async(UserFactory)()
    ws = socket(order.order_id, await sync_to_async(session_of)(stranger))
    assert await refused_with(ws) == CLOSE_FORBIDDEN


async def test_an_anonymous_subscription_is_refused():
    order = await sync_to_async(place_alipay_order)()
    assert await refused_with(socket(order.order_id)) == CLOSE_NOT_LOGGED_IN


@pytest.mark.parametrize("order_id", ["20990101000000000000001000000", "abc", "1" * 41, "-1"])
async def test_unknown_or_malformed_orders_are_refused_like_foreign_ones(order_id):
    user = await sync_to_async(UserFactory)()
    assert await refused_with(socket(order_id, await sync_to_async(session_of)(user))) == CLOSE_FORBIDDEN


async def test_a_foreign_origin_is_rejected():
    order = await sync_to_async(place_alipay_order)()
    ws = WebsocketCommunicator(
        application, f"/ws/orders/{order.order_id}/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await ws.connect()
    assert not connected
