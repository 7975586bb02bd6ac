"""publish_stock_task (SPEC G1) run by a real Dramatiq worker on the Redis broker, and the after-commit
enqueueing done by SKU saves and by commerce.catalog.stock.stock_changed."""

from __future__ import annotations

import dramatiq
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from commerce.catalog.models import SKU
from commerce.catalog.stock import stock_changed
from config.asgi import application
from tasks.actors.catalog import publish_stock_task
from tests.factories import SKUFactory

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def queued_stock_publishes(broker) -> list[int]:
    """SKU ids of publish_stock_task messages waiting in the real Redis queue (layout: dramatiq's dispatch.lua)."""
    raw = broker.client.hvals(f"{broker.namespace}:{publish_stock_task.queue_name}.msgs")
    messages = [dramatiq.Message.decode(data) for data in raw]
    return sorted(m.args[0] for m in messages if m.actor_name == publish_stock_task.actor_name)


async def open_stock_socket(sku_id: int) -> tuple[WebsocketCommunicator, int]:
    ws = WebsocketCommunicator(application, f"/ws/stock/{sku_id}/", headers=ORIGIN)
    connected, _ = await ws.connect()
    assert connected
    first = await ws.receive_json_from(timeout=5)
    return ws, first["stock"]


# --- the worker delivers to open sockets ---------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_worker_publishes_the_committed_stock_to_open_sockets(dramatiq_worker):
    sku = await sync_to_async(SKUFactory)(stock=8)
    ws, shown = await open_stock_socket(sku.id)
    assert shown == 8
    # A conditional UPDATE (the orders path) bypasses signals; the task re-reads whatever was committed.
    await sync_to_async(SKU.objects.filter(pk=sku.id).update)(stock=2)

    publish_stock_task.send(sku.id)

    assert await ws.receive_json_from(timeout=15) == {"type": "stock", "sku_id": sku.id, "stock": 2}
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_saving_an_sku_updates_open_sockets_through_the_worker(dramatiq_worker):
    sku = await sync_to_async(SKUFactory)(stock=8)
    ws, _ = await open_stock_socket(sku.id)

    sku.stock = 0
    await sync_to_async(sku.save)()  # what the Wagtail admin's edit view does

    assert await ws.receive_json_from(timeout=15) == {"type": "stock", "sku_id": sku.id, "stock": 0}
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_running_the_task_twice_publishes_the_same_stock_twice(dramatiq_worker):
    sku = await sync_to_async(SKUFactory)(stock=6)
    ws, _ = await open_stock_socket(sku.id)

    publish_stock_task.send(sku.id)
    publish_stock_task.send(sku.id)

    assert [(await ws.receive_json_from(timeout=15))["stock"] for _ in range(2)] == [6, 6]
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
def test_the_task_for_a_deleted_sku_does_nothing_and_succeeds(dramatiq_worker, dramatiq_broker):
    sku = SKUFactory(stock=3)
    sku_id = sku.id
    sku.delete()

    publish_stock_task.send(sku_id)
    dramatiq_broker.join(publish_stock_task.queue_name, timeout=15_000)
    dramatiq_worker.join()

    assert dramatiq_broker.client.hlen(f"{dramatiq_broker.namespace}:{publish_stock_task.queue_name}.XQ.msgs") == 0


# --- enqueueing happens after commit only ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_saving_inside_a_transaction_enqueues_only_after_commit(dramatiq_broker):
    sku = SKUFactory(stock=5)
    with transaction.atomic():
        sku.stock = 4
        sku.save()
        assert queued_stock_publishes(dramatiq_broker) == []
    assert queued_stock_publishes(dramatiq_broker) == [sku.id]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_save_enqueues_nothing(dramatiq_broker):
    sku = SKUFactory(stock=5)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        sku.stock = 1
        sku.save()
        raise Abort

    assert queued_stock_publishes(dramatiq_broker) == []
    assert SKU.objects.get(pk=sku.id).stock == 5


@pytest.mark.django_db(transaction=True)
def test_creating_an_sku_or_saving_other_fields_enqueues_nothing(dramatiq_broker):
    sku = SKUFactory(stock=5)
    sku.name = "改名"
    sku.save(update_fields=["name"])

    assert queued_stock_publishes(dramatiq_broker) == []


@pytest.mark.django_db(transaction=True)
def test_stock_changed_after_a_conditional_update_enqueues_after_commit(dramatiq_broker):
    sku = SKUFactory(stock=5)
    with transaction.atomic():
        assert SKU.objects.filter(pk=sku.id, stock__gte=2).update(stock=3) == 1
        stock_changed(sku_id=sku.id)
        assert queued_stock_publishes(dramatiq_broker) == []
    assert queued_stock_publishes(dramatiq_broker) == [sku.id]
