"""Unpaid-order timeout (SPEC E5) with a real Dramatiq worker: the delayed message and the sweep both
end in one cancel; stock, sales, coupon and points come back exactly once; a paid order is never cancelled."""

from __future__ import annotations

from decimal import Decimal

import dramatiq
import pytest

from commerce.catalog.models import SKU
from commerce.orders import tokens
from commerce.orders.models import Order, OrderStatus, PayMethod, PointsAccount, PointsLedger, UserCoupon
from commerce.orders.services import cancel_expired_orders, claim_coupon, expire_unpaid_order, mark_paid, place_order
from tasks.actors.orders import cancel_unpaid_order_task, sweep_unpaid_orders_task
from tests.commerce.orders.conftest import age_order, put_in_cart
from tests.factories import AddressFactory, CouponFactory, SKUFactory, UserFactory, give_points
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _order_with_coupon_and_points():
    user = UserFactory()
    sku = SKUFactory(price=Decimal("150.00"), stock=7, sales=3)
    put_in_cart(user, sku, 2)
    user_coupon = claim_coupon(user=user, coupon_id=CouponFactory().pk)
    give_points(user, 2000)
    order = place_order(
        user=user,
        address_id=AddressFactory(user=user).pk,
        pay_method=PayMethod.ALIPAY,
        token=tokens.issue_token(user_id=user.pk),
        coupon_id=user_coupon.pk,
        points=2000,
    )
    return order, sku, user_coupon


class ProcessedMessages(dramatiq.Middleware):
    """Records every message the worker finished (actor name, args): what a test waits on."""

    def __init__(self) -> None:
        self.done: list[tuple[str, tuple]] = []

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self.done.append((message.actor_name, tuple(message.args)))

    def count(self, actor, *args) -> int:
        return self.done.count((actor.actor_name, args))


@pytest.fixture
def processed(dramatiq_broker, dramatiq_worker):
    middleware = ProcessedMessages()
    dramatiq_broker.add_middleware(middleware)
    yield middleware
    dramatiq_broker.middleware.remove(middleware)


def _drain(broker, worker):
    broker.join("default", timeout=60_000)
    worker.join()


def _wait_for_status(order, status, seconds=30):
    wait_until(lambda: Order.objects.get(pk=order.pk).status == status, seconds, f"order {order.pk} to become {status}")


def _assert_given_back_once(order, sku, user_coupon):
    sku.refresh_from_db()
    assert (sku.stock, sku.sales) == (7, 3)
    assert UserCoupon.objects.get(pk=user_coupon.pk).used_order_id is None
    assert PointsAccount.objects.get(user=order.user).balance == 2000
    assert PointsLedger.objects.filter(order=order, reason="refund_order").count() == 1


def test_delayed_message_and_sweep_both_running_cancel_once(settings, dramatiq_broker, dramatiq_worker, processed):
    settings.ORDER_UNPAID_TIMEOUT_SECONDS = 1
    order, sku, user_coupon = _order_with_coupon_and_points()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert SKU.objects.get(pk=sku.pk).stock == 5
    age_order(order, 2)
    # The per-order delayed message (sent at placement) fires about now; the sweep runs beside it, twice,
    # and a duplicate of the delayed message arrives too.
    for _ in range(2):
        sweep_unpaid_orders_task.send()
    cancel_unpaid_order_task.send(order.pk)
    _wait_for_status(order, OrderStatus.CANCELED)
    # Both cancel messages (the delayed one and its duplicate) and both sweeps ran.
    wait_until(lambda: processed.count(cancel_unpaid_order_task, order.pk) == 2, what="both cancel messages")
    wait_until(lambda: processed.count(sweep_unpaid_orders_task) == 2, what="both sweeps")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and "超时" in order.cancel_reason
    _assert_given_back_once(order, sku, user_coupon)


def test_sweep_cancels_an_order_whose_delayed_message_was_lost(settings, dramatiq_broker, dramatiq_worker):
    order, sku, user_coupon = _order_with_coupon_and_points()
    dramatiq_broker.flush_all()  # the delayed message is gone
    age_order(order, settings.ORDER_UNPAID_TIMEOUT_SECONDS + 5)
    sweep_unpaid_orders_task.send()
    _wait_for_status(order, OrderStatus.CANCELED)
    _drain(dramatiq_broker, dramatiq_worker)
    _assert_given_back_once(order, sku, user_coupon)


def test_timeout_never_cancels_an_order_paid_first(settings, dramatiq_broker, dramatiq_worker, processed):
    settings.ORDER_UNPAID_TIMEOUT_SECONDS = 1
    order, sku, _ = _order_with_coupon_and_points()
    mark_paid(order_id=order.pk, trade_no="2026PAID", amount=order.pay_amount)
    age_order(order, 2)
    sweep_unpaid_orders_task.send()
    cancel_unpaid_order_task.send(order.pk)
    # The delayed message sent at placement, the one sent here and the sweep have all run.
    wait_until(lambda: processed.count(cancel_unpaid_order_task, order.pk) == 2, what="both cancel messages")
    wait_until(lambda: processed.count(sweep_unpaid_orders_task) == 1, what="the sweep")
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_SHIP
    assert SKU.objects.get(pk=sku.pk).stock == 5
    assert not PointsLedger.objects.filter(order=order, reason="refund_order").exists()


def test_an_early_timeout_message_leaves_a_fresh_order_alone():
    order, sku, _ = _order_with_coupon_and_points()
    assert expire_unpaid_order(order_id=order.pk) is False
    assert cancel_expired_orders() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID
    assert SKU.objects.get(pk=sku.pk).stock == 5


def test_the_delayed_message_alone_cancels_an_unpaid_order(settings, dramatiq_broker, dramatiq_worker):
    settings.ORDER_UNPAID_TIMEOUT_SECONDS = 1
    order, sku, user_coupon = _order_with_coupon_and_points()  # sends the delayed message after commit
    _wait_for_status(order, OrderStatus.CANCELED, seconds=20)
    _drain(dramatiq_broker, dramatiq_worker)
    _assert_given_back_once(order, sku, user_coupon)
