"""The order-status websocket with an API access token: the owner gets the status and its changes, anyone else
(or a bad token) is refused with the consumer's own close codes; the socket lives no longer than its token, nor
than its user's active account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from commerce.orders.services import mark_paid
from config.asgi import application
from realtime.consumers.orders import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, DEACTIVATED_REASON, EXPIRED_REASON
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


def _short_lived_access(user, seconds: float) -> str:
    """An access token that expires `seconds` from now (the test's own short ACCESS_TOKEN_LIFETIME)."""
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=seconds))
    return str(token)


async def _closed_with(ws: WebsocketCommunicator) -> tuple[int, str]:
    """Wait for the refusal message and the close frame; both name the same code and reason."""
    said = await ws.receive_json_from(timeout=15)
    assert said["type"] == "refused"
    closed = await ws.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    assert (closed["code"], closed["reason"]) == (said["code"], said["reason"])
    return closed["code"], closed["reason"]


async def test_the_socket_closes_when_its_access_token_expires_and_hears_no_more_events():
    order = await sync_to_async(place_alipay_order)()
    ws = _socket(order.order_id, await sync_to_async(_short_lived_access)(order.user, 2))
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["status"] == "unpaid"
    # No event comes: the socket is closed at the token's expiry all the same.
    assert await _closed_with(ws) == (CLOSE_NOT_LOGGED_IN, EXPIRED_REASON)

    # It has left the order's group: a socket with a fresh token hears the next change, the expired one nothing.
    witness = _socket(order.order_id, await sync_to_async(_access)(order.user))
    assert (await witness.connect())[0]
    assert (await witness.receive_json_from(timeout=5))["status"] == "unpaid"
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="T2")
    assert (await witness.receive_json_from(timeout=5))["status"] == "unsend"
    assert await ws.receive_nothing(timeout=0.2)
    await witness.disconnect()
    await ws.disconnect()


async def test_a_deactivated_users_socket_is_closed_at_the_next_event_without_it():
    order = await sync_to_async(place_alipay_order)()
    ws = _socket(order.order_id, await sync_to_async(_access)(order.user))
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from(timeout=5))["status"] == "unpaid"
    order.user.is_active = False
    await sync_to_async(order.user.save)(update_fields=["is_active"])
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="T4")
    assert await _closed_with(ws) == (CLOSE_NOT_LOGGED_IN, DEACTIVATED_REASON)
    await ws.disconnect()
