"""Return (F2), trade query (F4), the sandbox's own notify (F7) and refunds (F6) end to end: a real Dramatiq
worker, the SDK's server calls reaching the sandbox on a live server, RSA2 everywhere."""

from __future__ import annotations

import logging
import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from commerce.catalog.models import SKU
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import expire_unpaid_order, ship_order
from commerce.payments import gateway, services
from commerce.payments.errors import GatewayError, RefundNotAllowed
from commerce.payments.models import Payment, PaymentSource, PaymentStatus, Refund, RefundStatus, RefundTrigger
from commerce.payments.sandbox import protocol, store
from commerce.payments.sandbox.keys import generate_key_pair
from tasks.actors.payments import sweep_awaiting_payments_task
from tasks.models import DurableJob
from tests.commerce.orders.conftest import age_order
from tests.commerce.payments.conftest import (
    logged_in,
    pay_in_sandbox,
    place_alipay_order,
    post_notify,
    signed_notify,
)
from tests.factories import UserFactory
from tests.support import run_in_threads, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

APP_ID = "2021000000000001"


@pytest.fixture
def notify_lost(settings):
    """The sandbox's notify is held back far beyond the test: only the return and the query remain."""
    settings.ALIPAY_SANDBOX_NOTIFY_DELAY_MS = 600_000
    settings.ALIPAY_QUERY_DELAY_SECONDS = 0


def paid_order(order) -> Payment:
    return wait_until(lambda: Payment.objects.filter(order_id=order.order_id).first(), what="a payment record")


def test_the_sandbox_notify_reaches_the_shop_through_the_worker(settings, live_gateway, dramatiq_worker):
    settings.ALIPAY_NOTIFY_URL = f"{live_gateway}/payment/alipay/notify/"
    order = place_alipay_order()

    pay_in_sandbox(logged_in(order.user), order)

    payment = paid_order(order)
    assert payment.source == PaymentSource.NOTIFY
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP


def test_a_payer_back_without_a_notify_gets_the_order_paid_by_a_trade_query(live_gateway, notify_lost, dramatiq_worker):
    order = place_alipay_order()
    client = logged_in(order.user)
    params = pay_in_sandbox(client, order)

    response = client.get("/payment/status/", params)

    assert response.status_code == 302 and response["Location"] == f"/orders/{order.order_id}/"
    payment = paid_order(order)
    assert payment.source == PaymentSource.QUERY and payment.trade_no == params["trade_no"]
    assert payment.amount == order.pay_amount
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP


def test_notify_return_and_query_at_once_give_one_payment_and_one_transition(
    live_gateway, notify_lost, dramatiq_worker, caplog
):
    order = place_alipay_order()
    client = logged_in(order.user)
    params = pay_in_sandbox(client, order)
    notify = protocol.notify_params(store.get_trade(APP_ID, order.order_id))  # exactly what the sandbox sends

    def act(i: int):
        if i == 0:
            return post_notify(notify, Client())
        if i == 1:
            return logged_in(order.user).get("/payment/status/", params).status_code
        return services.query_payment(order_id=order.order_id).value

    with caplog.at_level(logging.INFO, logger="commerce.orders.states"):
        results = run_in_threads(act, 3)
        assert [kind for kind, _ in results] == ["ok"] * 3, results
        assert results[0][1] == "success" and results[1][1] == 302
        wait_until(  # the query the return queued has run too (or none was queued: the notify came first)
            lambda: not DurableJob.objects.filter(key=f"payments.query:{order.order_id}", done_at=None).exists(),
            what="the queued trade query",
        )
    assert Payment.objects.count() == 1
    assert len([r for r in caplog.records if "unpaid -> unsend" in r.getMessage()]) == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP


def test_five_notifies_at_once_give_one_payment():
    order = place_alipay_order()
    params = signed_notify(order)

    results = run_in_threads(lambda i: post_notify(params, Client()), 5)

    assert [value for _, value in results] == ["success"] * 5
    assert Payment.objects.count() == 1


def test_a_return_edited_after_signing_is_refused(notify_lost):
    order = place_alipay_order()
    client = logged_in(order.user)
    params = pay_in_sandbox(client, order)
    params["total_amount"] = "0.01"

    response = client.get("/payment/status/", params)

    assert response.status_code == 400 and "支付结果校验失败" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_return_for_someone_elses_order_is_404(notify_lost):
    order = place_alipay_order()
    params = pay_in_sandbox(logged_in(order.user), order)
    assert logged_in(UserFactory()).get("/payment/status/", params).status_code == 404


def test_a_payment_landing_after_the_timeout_cancel_is_refunded_and_recorded(
    settings, live_gateway, notify_lost, dramatiq_worker
):
    order = place_alipay_order(count=2, stock=10)
    client = logged_in(order.user)
    cashier = client.get(client.get(f"/payment/{order.order_id}/")["Location"])  # cashier open while unpaid
    age_order(order, settings.ORDER_UNPAID_TIMEOUT_SECONDS + 1)
    assert expire_unpaid_order(order_id=order.order_id)
    sku = order.lines.get().sku
    assert SKU.objects.get(pk=sku.pk).stock == 10
    ticket = re.search(r'name="ticket" value="([^"]+)"', cashier.content.decode()).group(1)
    client.post("/alipay-sandbox/pay/", {"ticket": ticket})  # the buyer pays anyway
    notify = protocol.notify_params(store.get_trade(APP_ID, order.order_id))

    back = client.get("/payment/status/", protocol.return_params(store.get_trade(APP_ID, order.order_id)), follow=True)
    assert "该订单已取消，您支付的款项将原路退回" in back.content.decode()
    assert post_notify(notify) == "success"  # acknowledged: Alipay must stop resending
    assert post_notify(notify) == "success"  # and a repeat changes nothing

    refund = wait_until(
        lambda: Refund.objects.filter(order_id=order.order_id, status=RefundStatus.SUCCEEDED).first(),
        what="the automatic refund",
    )
    assert refund.trigger == RefundTrigger.LATE_PAYMENT and refund.amount == order.pay_amount
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert Refund.objects.count() == 1
    trade = store.get_trade(APP_ID, order.order_id)
    assert trade["trade_status"] == "TRADE_CLOSED" and int(trade["refund_cents"]) == int(order.pay_amount * 100)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.paid_at is None
    assert SKU.objects.get(pk=sku.pk).stock == 10  # given back once, by the cancel


def test_an_operator_cancelling_a_paid_order_in_the_admin_refunds_it(live_gateway, notify_lost, dramatiq_worker):
    order = place_alipay_order(count=2, stock=10)
    sku = order.lines.get().sku
    params = pay_in_sandbox(logged_in(order.user), order)
    assert post_notify(protocol.notify_params(store.get_trade(APP_ID, order.order_id))) == "success"
    payment = Payment.objects.get()
    assert SKU.objects.get(pk=sku.pk).stock == 8
    operator = logged_in(UserFactory(username="ops", is_staff=True, is_superuser=True))

    listing = operator.get("/admin/payments/")
    assert listing.status_code == 200 and params["trade_no"] in listing.content.decode()
    assert "取消订单并退款" in operator.get(f"/admin/payments/{payment.pk}/refund/").content.decode()
    response = operator.post(f"/admin/payments/{payment.pk}/refund/", {"reason": "缺货，取消订单"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.cancel_reason == "缺货，取消订单"
    assert SKU.objects.get(pk=sku.pk).stock == 10
    refund = wait_until(
        lambda: Refund.objects.filter(status=RefundStatus.SUCCEEDED).first(), what="the operator's refund"
    )
    assert (refund.trigger, refund.operator.username, refund.amount) == ("operator", "ops", order.pay_amount)
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert store.get_trade(APP_ID, order.order_id)["trade_status"] == "TRADE_CLOSED"
    # Cancelling again is refused and refunds nothing more.
    operator.post(f"/admin/payments/{payment.pk}/refund/", {"reason": "again"})
    assert Refund.objects.count() == 1


def test_refunds_are_refused_for_unpaid_and_shipped_orders():
    unpaid = place_alipay_order()
    with pytest.raises(RefundNotAllowed):
        services.refund_order(order_id=unpaid.order_id, reason="x")

    shipped = place_alipay_order()
    assert post_notify(signed_notify(shipped)) == "success"
    ship_order(order_id=shipped.order_id)
    with pytest.raises(OrderStateError):
        services.refund_order(order_id=shipped.order_id, reason="x")
    assert Payment.objects.get(order_id=shipped.order_id).status == PaymentStatus.PAID
    assert not Refund.objects.exists()


def test_a_shopper_without_the_permission_cannot_open_the_payments_admin():
    staff = logged_in(UserFactory(is_staff=True))
    staff.get("/admin/")
    assert staff.get("/admin/payments/").status_code in (302, 403)


def test_trade_query_and_refund_answers_are_signed_like_alipays(live_gateway, notify_lost):
    order = place_alipay_order()
    unknown = gateway.query_trade(order_id=order.order_id)
    assert (unknown["code"], unknown["sub_code"]) == ("40004", "ACQ.TRADE_NOT_EXIST")
    assert services.query_payment(order_id=order.order_id) == services.Outcome.PENDING

    params = pay_in_sandbox(logged_in(order.user), order)
    found = gateway.query_trade(order_id=order.order_id)
    assert (found["code"], found["trade_status"], found["trade_no"]) == ("10000", "TRADE_SUCCESS", params["trade_no"])
    assert Decimal(found["total_amount"]) == order.pay_amount

    first = gateway.refund_trade(order_id=order.order_id, amount=Decimal("1.00"), out_request_no="r1", reason="t")
    repeat = gateway.refund_trade(order_id=order.order_id, amount=Decimal("1.00"), out_request_no="r1", reason="t")
    assert (first["fund_change"], repeat["fund_change"], repeat["refund_fee"]) == ("Y", "N", "1.00")
    too_much = gateway.refund_trade(order_id=order.order_id, amount=order.pay_amount, out_request_no="r2", reason="t")
    assert too_much["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"


def test_an_answer_not_signed_by_the_configured_alipay_key_is_rejected(settings, live_gateway):
    _, stranger_public = generate_key_pair()
    settings.ALIPAY_PUBLIC_KEY_FILE = ""
    settings.ALIPAY_PUBLIC_KEY = stranger_public.decode()
    with pytest.raises(GatewayError) as error:
        gateway.query_trade(order_id="20250101000000000000001000000")
    assert error.value.code == "gateway_bad_signature"


def test_an_unreachable_gateway_is_a_retryable_gateway_error(settings):
    settings.ALIPAY_GATEWAY = "http://127.0.0.1:9/gateway.do"
    with pytest.raises(GatewayError) as error:
        gateway.query_trade(order_id="20250101000000000000001000000")
    assert error.value.code == "gateway_error"


def test_the_sweep_settles_an_order_whose_payer_never_came_back(live_gateway, notify_lost):
    order = place_alipay_order()
    pay_in_sandbox(logged_in(order.user), order)  # paid; no notify, no return
    from django_redis import get_redis_connection

    get_redis_connection("default").zadd(services.AWAITING_KEY, {order.order_id: time.time() - 600})

    sweep_awaiting_payments_task.fn()

    assert Payment.objects.get().source == PaymentSource.QUERY
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP
    assert services.list_awaiting_orders(older_than_seconds=0) == []
