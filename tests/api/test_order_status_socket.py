"""The order-status websocket with an API access token: the owner gets the status and its changes, anyone else
(or a bad token) is refused with the consumer's own close codes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from commerce.orders.services import mark_paid
from config.asgi import application
from realtime.consumers.orders import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN
from tests.commerce.payments.conftest import place_alipay_order
from tests.factories import UserFactory
from tests.realtime.support import refused_with

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _access(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def _socket(order_id: str, token: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/orders/{order_id}/?access_token={token}", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )


async def test_the_owner_with_a_token_sees_the_status_and_its_change():
    order = await sync_to_async(place_alipay_order)()
    ws = _socket(order.order_id, await sync_to_async(_access)(order.user))
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["status"] == "unpaid"
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="T1")
    assert (await ws.receive_json_from(timeout=5))["status"] == "unsend"
    await ws.disconnect()


async def test_another_users_token_or_a_bad_token_is_refused():
    order = await sync_to_async(place_alipay_order)()
    stranger = await sync_to_async(UserFactory)()
    assert await refused_with(_socket(order.order_id, await sync_to_async(_access)(stranger))) == CLOSE_FORBIDDEN
    assert await refused_with(_socket(order.order_id, "not.a.token")) == CLOSE_NOT_LOGGED_IN
