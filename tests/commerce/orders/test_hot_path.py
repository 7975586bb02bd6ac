"""The placement hot path stays lean, and live-stock pushes are coalesced per SKU without losing the last value.

Coalescing (commerce.catalog.stock): within STOCK_PUSH_WINDOW_MS the first change of an SKU sends a publish
message at once, later ones arrange one trailing message that runs when the window closes; the actor reads
the committed stock when it runs, so open pages always end on the final stock.
"""

from __future__ import annotations

import time
from decimal import Decimal

import dramatiq
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db.models.signals import post_save
from dramatiq.common import dq_name

from commerce.catalog.models import SKU
from commerce.catalog.stock import announce_stock
from commerce.orders import tokens
from commerce.orders.errors import InsufficientStock
from commerce.orders.models import Order, PayMethod
from commerce.orders.pricing import freight_rule
from commerce.orders.services import place_order
from config.asgi import application
from tasks.actors.catalog import publish_stock_task
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory


def _stock_messages(broker, *, delayed: bool) -> list[dramatiq.Message]:
    queue = dq_name(publish_stock_task.queue_name) if delayed else publish_stock_task.queue_name
    raw = broker.client.hvals(f"{broker.namespace}:{queue}.msgs")
    return [m for m in map(dramatiq.Message.decode, raw) if m.actor_name == publish_stock_task.actor_name]


def _buy(sku, *, pay_method=PayMethod.CASH) -> Order:
    user = UserFactory()
    put_in_cart(user, sku, 1)
    return place_order(
        user=user,
        address_id=AddressFactory(user=user).pk,
        pay_method=pay_method,
        token=tokens.issue_token(user_id=user.pk),
    )


# --- the hot path --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_plain_order_costs_seven_sql_statements_and_fires_no_model_signals(django_assert_max_num_queries):
    sku = SKUFactory(stock=5, price=Decimal("12.50"))
    user = UserFactory()
    address = AddressFactory(user=user)
    put_in_cart(user, sku, 2)
    token = tokens.issue_token(user_id=user.pk)
    saved = []
    freight_rule()  # cached like the category menu: a running shop reads it from Redis, not the database

    def record(sender, **kwargs):
        saved.append(sender)

    post_save.connect(record, dispatch_uid="test-hot-path-saves")
    try:
        # BEGIN (a savepoint here), address, SKUs, INSERT order, INSERT lines, UPDATE stock, COMMIT (release).
        with django_assert_max_num_queries(7):
            order = place_order(user=user, address_id=address.pk, pay_method=PayMethod.ALIPAY, token=token)
    finally:
        post_save.disconnect(dispatch_uid="test-hot-path-saves")
    assert saved == []  # no SKU post_save (live-stock signal) and no Order save signals on the hot path
    order = Order.objects.get(pk=order.pk)
    assert order.pay_amount == Decimal("35.00") and order.lines.get().price == Decimal("12.50")
    assert SKU.objects.get(pk=sku.pk).stock == 3


# --- coalescing, at the queue --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changes_within_a_window_send_one_message_now_and_one_trailing(dramatiq_broker, settings):
    settings.STOCK_PUSH_WINDOW_MS = 5_000
    sku = SKUFactory(stock=50)
    for _ in range(6):
        announce_stock([sku.pk])

    assert [m.args[0] for m in _stock_messages(dramatiq_broker, delayed=False)] == [sku.pk]
    trailing = _stock_messages(dramatiq_broker, delayed=True)
    assert [m.args[0] for m in trailing] == [sku.pk]
    # The trailing message is due when the window closes, not before.
    eta = trailing[0].options["eta"]
    assert eta >= int(time.time() * 1000) + 4_000


@pytest.mark.django_db
def test_each_sku_has_its_own_window(dramatiq_broker, settings):
    settings.STOCK_PUSH_WINDOW_MS = 5_000
    first, second = SKUFactory(stock=5), SKUFactory(stock=5)
    announce_stock([first.pk, second.pk])
    announce_stock([second.pk])

    assert sorted(m.args[0] for m in _stock_messages(dramatiq_broker, delayed=False)) == sorted([first.pk, second.pk])
    assert [m.args[0] for m in _stock_messages(dramatiq_broker, delayed=True)] == [second.pk]


@pytest.mark.django_db
def test_after_the_window_the_next_change_is_pushed_at_once_again(dramatiq_broker, settings):
    settings.STOCK_PUSH_WINDOW_MS = 200
    sku = SKUFactory(stock=5)
    announce_stock([sku.pk])
    time.sleep(0.35)
    announce_stock([sku.pk])

    assert [m.args[0] for m in _stock_messages(dramatiq_broker, delayed=False)] == [sku.pk, sku.pk]
    assert _stock_messages(dramatiq_broker, delayed=True) == []


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_orders_queues_two_stock_messages_and_nothing_before_commit(dramatiq_broker, settings):
    settings.STOCK_PUSH_WINDOW_MS = 5_000
    sku = SKUFactory(stock=20)
    for _ in range(5):
        _buy(sku)

    assert len(_stock_messages(dramatiq_broker, delayed=False)) == 1
    assert len(_stock_messages(dramatiq_broker, delayed=True)) == 1
    # A refused order (too little stock) wrote nothing and announced nothing.
    other = SKUFactory(stock=0)
    with pytest.raises(InsufficientStock):
        _buy(other)
    assert all(m.args[0] != other.pk for m in _stock_messages(dramatiq_broker, delayed=False))


# --- coalescing, end to end ----------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_open_pages_end_on_the_final_stock_after_a_burst_of_orders(dramatiq_worker, settings):
    settings.STOCK_PUSH_WINDOW_MS = 300
    sku = await sync_to_async(SKUFactory)(stock=30)
    ws = WebsocketCommunicator(application, f"/ws/stock/{sku.pk}/", headers=[(b"origin", b"http://127.0.0.1:8000")])
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=5))["stock"] == 30

    for _ in range(8):
        await sync_to_async(_buy)(sku, pay_method=PayMethod.ALIPAY)

    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        event = await ws.receive_json_from(timeout=20)
        seen.append(event["stock"])
        if event["stock"] == 22:
            break
    assert seen[-1] == 22 == await sync_to_async(lambda: SKU.objects.get(pk=sku.pk).stock)()
    await ws.disconnect()
