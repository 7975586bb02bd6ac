"""StockConsumer (SPEC G1) through the project's real ASGI stack on the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime.consumers.stock import CLOSE_NOT_FOUND
from realtime.publish import publish_stock
from tests.factories import SKUFactory
from tests.realtime.support import refused_with

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def communicator(path: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=ORIGIN)


async def test_connecting_sends_the_current_stock():
    sku = await sync_to_async(SKUFactory)(stock=17)
    ws = communicator(f"/ws/stock/{sku.id}/")
    connected, _ = await ws.connect()
    assert connected
    assert await ws.receive_json_from(timeout=5) == {"type": "stock", "sku_id": sku.id, "stock": 17}
    await ws.disconnect()


async def test_a_published_stock_change_reaches_every_watcher_of_that_sku_only():
    sku, other = await sync_to_async(SKUFactory.create_batch)(2, stock=5)
    watchers = [communicator(f"/ws/stock/{sku.id}/") for _ in range(2)]
    bystander = communicator(f"/ws/stock/{other.id}/")
    for ws in [*watchers, bystander]:
        assert (await ws.connect())[0]
        assert (await ws.receive_json_from(timeout=5))["stock"] == 5

    await sync_to_async(publish_stock)(sku.id, 3)

    for ws in watchers:
        assert await ws.receive_json_from(timeout=5) == {"type": "stock", "sku_id": sku.id, "stock": 3}
    assert await bystander.receive_nothing(timeout=0.3)
    for ws in [*watchers, bystander]:
        await ws.disconnect()


@pytest.mark.parametrize("sku_id", ["999999", "0", "abc", "12x", "99999999999999999999999", "-1"])
async def test_an_unknown_or_malformed_sku_is_refused_with_4404(sku_id):
    assert await refused_with(communicator(f"/ws/stock/{sku_id}/")) == CLOSE_NOT_FOUND


async def test_an_unlaunched_sku_is_refused_with_4404():
    sku = await sync_to_async(SKUFactory)(stock=5, is_launched=False)
    assert await refused_with(communicator(f"/ws/stock/{sku.id}/")) == CLOSE_NOT_FOUND


async def test_a_foreign_origin_is_rejected():
    sku = await sync_to_async(SKUFactory)(stock=5)
    ws = WebsocketCommunicator(application, f"/ws/stock/{sku.id}/", headers=[(b"origin", b"http://evil.example")])
    connected, _ = await ws.connect()
    assert not connected
