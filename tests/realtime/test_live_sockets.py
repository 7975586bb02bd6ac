"""The three live sockets against real Daphne processes (SPEC G, issue #10): idle sockets stay open past every
timeout, a Redis restart under open sockets ends in every socket being sent its current value again, and a
socket that stops reading does not hold up the others."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import Client

from commerce.catalog.models import SKU
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import mark_paid
from config.embedded_redis import EmbeddedRedis
from realtime.publish import publish_stock
from realtime.testing import WsClient
from tests import live_daphne
from tests.commerce.accounts.auth_helpers import request_code
from tests.commerce.payments.conftest import place_alipay_order
from tests.factories import SKUFactory, ensure_beijing_areas

pytestmark = [pytest.mark.layout, pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

MOBILE = "13712345678"
HOLD_SECONDS = 60


@pytest.fixture(autouse=True)
def _beijing_areas(transactional_db):
    ensure_beijing_areas()


def change_stock(sku_id: int, stock: int) -> None:
    """An editor's stock edit: the ORM save whose signal announces the change after commit."""
    with transaction.atomic():
        sku = SKU.objects.select_for_update().get(pk=sku_id)
        sku.stock = stock
        sku.save(update_fields=["stock"])


def owner_session(order) -> str:
    client = Client()
    client.force_login(order.user)
    return client.session.session_key


def browser_session() -> Client:
    """A browser that opened the register page (its session exists before any SMS is sent)."""
    client = Client()
    client.get("/register/")
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    return client


async def open_three(url: str, sku_id: int, order, owner_key: str, sms_key: str) -> dict[str, WsClient]:
    sockets = {
        "stock": await WsClient.open(url, f"/ws/stock/{sku_id}/"),
        "order": await WsClient.open(url, f"/ws/orders/{order.order_id}/", cookies={"sessionid": owner_key}),
        "sms": await WsClient.open(url, f"/ws/sms/?mobile={MOBILE}", cookies={"sessionid": sms_key}),
    }
    assert (await sockets["stock"].recv())["stock"] == 10
    assert (await sockets["order"].recv())["status"] == OrderStatus.UNPAID
    assert (await sockets["sms"].recv())["remaining"] == 0
    return sockets


async def test_idle_sockets_stay_open_for_a_minute_then_receive_a_change_on_each(daphne_server, dramatiq_worker):
    sku = await sync_to_async(SKUFactory)(stock=10)
    order = await sync_to_async(place_alipay_order)()
    owner_key = await sync_to_async(owner_session)(order)
    sms_browser = await sync_to_async(browser_session)()
    sockets = await open_three(daphne_server, sku.id, order, owner_key, sms_browser.session.session_key)

    # Past redis-py's 5 s read timeout, channels-redis's 5 s pop and two of Daphne's 20 s pings: no close.
    started = time.monotonic()
    closed = await asyncio.wait(
        [asyncio.ensure_future(ws.closed.wait()) for ws in sockets.values()], timeout=HOLD_SECONDS
    )
    assert not closed[0], {name: ws.close_code for name, ws in sockets.items()}
    assert time.monotonic() - started >= HOLD_SECONDS - 1

    await sync_to_async(change_stock)(sku.id, 7)  # through the worker (after commit, coalesced push)
    await sync_to_async(mark_paid)(order_id=order.order_id, trade_no="t-hold", amount=order.pay_amount)
    response = await sync_to_async(request_code)(sms_browser, MOBILE)
    assert response.status_code == 200

    assert (await sockets["stock"].recv(timeout=15))["stock"] == 7
    assert (await sockets["order"].recv_until(lambda m: m.get("status") == OrderStatus.TO_SHIP))["label"]
    started_window = await sockets["sms"].recv_until(lambda m: m.get("remaining", 0) > 0)
    assert 55 <= started_window["remaining"] <= 60
    for ws in sockets.values():
        assert not ws.closed.is_set()
        await ws.close()


# --- a Redis restart under open sockets -------------------------------------------------------------------


@pytest.fixture
def restartable_redis(tmp_path):
    server = EmbeddedRedis(data_dir=tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def daphne_on(restartable_redis, tmp_path):
    """A Daphne process of its own whose channel layer uses `restartable_redis` (cache, sessions and the
    broker stay on the suite's Redis)."""
    from django.conf import settings

    layers = {name: {**conf, "CONFIG": {**conf["CONFIG"]}} for name, conf in settings.CHANNEL_LAYERS.items()}
    layers["default"]["CONFIG"]["hosts"] = [restartable_redis.url]
    child, url = live_daphne.start(tmp_path, CHANNEL_LAYERS=layers)
    yield url
    child.stop(timeout=20)


async def test_a_redis_restart_under_open_sockets_resyncs_each_with_its_current_value(restartable_redis, daphne_on):
    sku = await sync_to_async(SKUFactory)(stock=10)
    order = await sync_to_async(place_alipay_order)()
    owner_key = await sync_to_async(owner_session)(order)
    sms_browser = await sync_to_async(browser_session)()
    sockets = await open_three(daphne_on, sku.id, order, owner_key, sms_browser.session.session_key)

    restartable_redis.stop()
    # Changes committed while the layer's Redis is down: whatever was published then is lost.
    await sync_to_async(SKU.objects.filter(pk=sku.id).update)(stock=4)
    await sync_to_async(Order.objects.filter(pk=order.order_id).update)(status=OrderStatus.CANCELED)
    restartable_redis.start()

    assert (await sockets["stock"].recv(timeout=20))["stock"] == 4
    assert (await sockets["order"].recv(timeout=20))["status"] == OrderStatus.CANCELED
    assert (await sockets["sms"].recv(timeout=20)) == {"type": "countdown", "mobile": MOBILE, "remaining": 0}

    # ... and they are subscribed again: the next change arrives as usual.
    await sync_to_async(publish_stock_through, thread_sensitive=False)(restartable_redis.url, sku.id, 2)
    assert (await sockets["stock"].recv(timeout=10))["stock"] == 2
    for ws in sockets.values():
        assert not ws.closed.is_set()
        await ws.close()


def publish_stock_through(url: str, sku_id: int, stock: int) -> None:
    """The stock event realtime.publish sends, on a layer of the restarted server (this process's own
    layer uses the suite's Redis)."""
    from config.settings.base import CHANNEL_LAYERS
    from realtime.groups import stock_group
    from realtime.layers import RedisFanoutChannelLayer
    from realtime.publish import STOCK_EVENT

    config = {**CHANNEL_LAYERS["default"]["CONFIG"], "hosts": [url]}
    layer = RedisFanoutChannelLayer(**config)
    layer.group_send_sync(stock_group(sku_id), {"type": STOCK_EVENT, "sku_id": sku_id, "stock": stock})


# --- a socket that stops reading ---------------------------------------------------------------------------


async def test_a_stalled_client_does_not_hold_up_the_others(daphne_server):
    sku = await sync_to_async(SKUFactory)(stock=10)
    path = f"/ws/stock/{sku.id}/"
    stalled = await WsClient.open(daphne_server, path, read=False, rcvbuf=1024)
    watcher = await WsClient.open(daphne_server, path)
    assert (await watcher.recv())["stock"] == 10

    last = 3000  # ~150 KB for the stalled socket, far beyond its 1 KB receive buffer

    def publish_many() -> None:
        for stock in range(1, last + 1):
            publish_stock(sku.id, stock)

    await sync_to_async(publish_many)()
    seen = await watcher.recv_until(lambda m: m.get("stock") == last, timeout=30)
    assert seen["stock"] == last
    assert not watcher.closed.is_set()
    stalled.abort()
    await watcher.close()
