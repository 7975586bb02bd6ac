"""Alipay's asynchronous notify (SPEC F3): every message is signed with a real RSA2 key; only a notify whose
signature, app id, order number and exact amount check out marks the order paid, exactly once."""

from __future__ import annotations

import logging

import pytest

from commerce.orders.models import Order, OrderStatus
from commerce.payments.models import Payment, PaymentSource, PaymentStatus
from tests.commerce.payments.conftest import place_alipay_order, post_notify, signed_notify, trade_for

pytestmark = pytest.mark.django_db


def status_of(order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_a_genuine_notify_marks_the_order_paid_and_records_the_trade_number():
    order = place_alipay_order(price="99.50", count=2)
    trade = trade_for(order)

    assert post_notify(signed_notify(order, trade=trade)) == "success"

    order.refresh_from_db()
    assert order.status == OrderStatus.TO_SHIP and order.paid_at is not None
    payment = Payment.objects.get()
    assert (payment.order_id, payment.trade_no, payment.amount) == (order.order_id, trade["trade_no"], order.pay_amount)
    assert (payment.status, payment.source) == (PaymentStatus.PAID, PaymentSource.NOTIFY)
    assert payment.raw["notify_id"] == trade["notify_id"] and "sign" not in payment.raw


def test_a_forged_signature_is_answered_failure_and_changes_nothing(stranger_key):
    order = place_alipay_order()

    assert post_notify(signed_notify(order, private_key=stranger_key)) == "failure"

    assert status_of(order) == OrderStatus.UNPAID
    assert not Payment.objects.exists()


def test_a_genuine_notify_edited_after_signing_is_refused():
    order = place_alipay_order()
    params = signed_notify(order)
    params["total_amount"] = "0.01"  # the signature no longer covers what is posted

    assert post_notify(params) == "failure"
    assert status_of(order) == OrderStatus.UNPAID


@pytest.mark.parametrize("amount", ["0.01", "209.01", "208.99", "20900", "abc", ""])
def test_a_signed_notify_with_another_amount_is_refused(amount):
    order = place_alipay_order(price="99.50", count=2)  # pays 209.00
    assert order.pay_amount == pytest.approx(209)

    assert post_notify(signed_notify(order, total_amount=amount)) == "failure"

    assert status_of(order) == OrderStatus.UNPAID
    assert not Payment.objects.exists()


def test_the_same_amount_written_differently_is_accepted():
    order = place_alipay_order(price="99.50", count=2)  # 209.00
    assert post_notify(signed_notify(order, total_amount="209")) == "success"
    assert status_of(order) == OrderStatus.TO_SHIP


def test_a_signed_notify_for_another_app_id_is_refused():
    order = place_alipay_order()

    assert post_notify(signed_notify(order, app_id="2021009999999999", auth_app_id="2021009999999999")) == "failure"

    assert status_of(order) == OrderStatus.UNPAID


def test_a_signed_notify_for_another_seller_is_refused():
    order = place_alipay_order()
    assert post_notify(signed_notify(order, seller_id="2088999999999999")) == "failure"
    assert status_of(order) == OrderStatus.UNPAID


@pytest.mark.parametrize("order_id", ["20990101000000000000001000000", "12x", ""])
def test_a_signed_notify_for_an_unknown_order_number_is_refused(order_id):
    order = place_alipay_order()

    assert post_notify(signed_notify(order, out_trade_no=order_id)) == "failure"

    assert status_of(order) == OrderStatus.UNPAID
    assert not Payment.objects.exists()


def test_a_notify_for_an_unpaid_trade_is_acknowledged_and_changes_nothing():
    order = place_alipay_order()
    assert post_notify(signed_notify(order, trade_status="WAIT_BUYER_PAY")) == "success"
    assert status_of(order) == OrderStatus.UNPAID


def test_the_same_notify_five_times_gives_one_payment_and_one_transition(caplog):
    order = place_alipay_order()
    params = signed_notify(order)

    with caplog.at_level(logging.INFO, logger="commerce.orders.states"):
        answers = [post_notify(params) for _ in range(5)]

    assert answers == ["success"] * 5
    assert Payment.objects.count() == 1
    transitions = [r for r in caplog.records if f"order {order.order_id}: unpaid -> unsend" in r.getMessage()]
    assert len(transitions) == 1
    assert status_of(order) == OrderStatus.TO_SHIP


def test_a_later_notify_with_another_trade_number_for_a_paid_order_is_refused():
    order = place_alipay_order()
    assert post_notify(signed_notify(order)) == "success"

    assert post_notify(signed_notify(order, trade_no="2025010122001499999999999999")) == "failure"
    assert Payment.objects.count() == 1


def test_the_notify_endpoint_answers_get_with_405_and_empty_posts_with_failure():
    from django.test import Client

    client = Client()
    assert client.get("/payment/alipay/notify/").status_code == 405
    assert post_notify({}, client) == "failure"
    assert post_notify({"sign": "!!!not-base64", "out_trade_no": "1"}, client) == "failure"
