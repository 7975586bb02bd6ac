"""Partial refunds (issue #15): by returned lines or by amount, each its own `alipay.trade.refund` request
(`out_request_no`), through the real sandbox on a live server and the real durable job runner; never more than
paid minus refunded, also when operators race (threads with their own connections: SQLite IMMEDIATE
transactions by default, PostgreSQL row locks with DATABASE_URL=postgres://...)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings

from commerce.catalog.models import SKU
from commerce.orders import services as order_services
from commerce.orders.models import OrderEvent, OrderEventKind, OrderStatus
from commerce.payments import gateway, refunds, services
from commerce.payments.errors import RefundNotAllowed
from commerce.payments.models import Payment, PaymentStatus, Refund, RefundLine, RefundStatus, RefundTrigger
from commerce.payments.sandbox import store
from tasks import durable
from tasks.models import DurableJob
from tests.commerce.payments.conftest import logged_in, pay_in_sandbox, place_alipay_order
from tests.factories import UserFactory
from tests.support import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def paid_order(*, price: str = "50.00", count: int = 3, shipped: bool = True):
    """An Alipay order paid in the sandbox (pay = price × count + ¥10 freight), shipped unless told not to."""
    order = place_alipay_order(price=price, count=count)
    pay_in_sandbox(logged_in(order.user), order)
    assert services.query_payment(order_id=order.order_id) == services.Outcome.PAID
    if shipped:
        order_services.ship_order(order_id=order.order_id, carrier="sf", tracking_no="SF1234567890")
    order.refresh_from_db()
    return order


def run_refund_jobs() -> None:
    for job in DurableJob.objects.filter(key__startswith="payments.refund:", done_at__isnull=True):
        durable.run_job(job.pk)


def sandbox_refunds(order) -> dict[str, Decimal]:
    return store.list_refunds(settings.ALIPAY_SANDBOX_APP_ID, order.order_id)


def test_returned_lines_refund_their_price_put_stock_back_and_go_on_the_timeline(live_gateway):
    order = paid_order()  # 3 × ¥50 + ¥10 = ¥160
    line = order.lines.get()
    stock_before, sales_before = SKU.objects.values_list("stock", "sales").get(pk=line.sku_id)
    clerk = UserFactory(username="clerk")

    refund = refunds.refund_partially(
        order_id=order.order_id, reason="尺码不合适", returned={line.pk: 2}, operator=clerk
    )

    assert (refund.amount, refund.trigger, refund.out_request_no) == (
        Decimal("100.00"),
        RefundTrigger.PARTIAL,
        f"{order.order_id}P1",
    )
    assert list(RefundLine.objects.values_list("line_id", "count")) == [(line.pk, 2)]
    assert SKU.objects.values_list("stock", "sales").get(pk=line.sku_id) == (stock_before + 2, sales_before - 2)
    run_refund_jobs()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert sandbox_refunds(order) == {f"{order.order_id}P1": Decimal("100.00")}
    payment = Payment.objects.get(order_id=order.order_id)
    assert payment.status == PaymentStatus.PAID  # ¥60 still paid
    assert Order_status(order) == OrderStatus.TO_RECEIVE
    events = list(OrderEvent.objects.filter(order_id=order.order_id, kind=OrderEventKind.REFUND))
    assert [e.message for e in events] == [
        f"¥100.00 {order.order_id}P1 尺码不合适（退货：{line.sku_name}×2）",
        f"¥100.00 ✓ {order.order_id}P1",
    ]
    assert events[0].actor == clerk

    # The last unit: its ¥50, then the remaining ¥10 by amount closes the trade and the payment.
    second = refunds.refund_partially(order_id=order.order_id, reason="质量问题", returned={line.pk: 1})
    third = refunds.refund_partially(order_id=order.order_id, reason="运费补偿", amount=Decimal("10.00"))
    assert (second.out_request_no, third.out_request_no) == (f"{order.order_id}P2", f"{order.order_id}P3")
    run_refund_jobs()
    assert set(Refund.objects.values_list("status", flat=True)) == {RefundStatus.SUCCEEDED}
    assert Payment.objects.get(order_id=order.order_id).status == PaymentStatus.REFUNDED
    trade = store.get_trade(settings.ALIPAY_SANDBOX_APP_ID, order.order_id)
    assert (trade["refund_cents"], trade["trade_status"]) == ("16000", "TRADE_CLOSED")
    with pytest.raises(RefundNotAllowed):
        refunds.refund_partially(order_id=order.order_id, reason="再退", amount=Decimal("0.01"))


def Order_status(order) -> str:  # noqa: N802 - reads like the field it returns
    return type(order).objects.values_list("status", flat=True).get(pk=order.pk)


def test_refusals_change_nothing(live_gateway):
    order = paid_order()
    line = order.lines.get()
    stock_before = SKU.objects.get(pk=line.sku_id).stock
    cases = [
        ({"returned": {line.pk: 4}}, "最多还能退 3 件"),
        ({"returned": {line.pk + 999: 1}}, "不属于该订单"),
        ({"returned": {line.pk: -1}}, "不能为负数"),
        ({"amount": Decimal("160.01")}, "超过可退金额 ¥160.00"),
        ({}, "请选择退货商品"),
        ({"amount": Decimal("1.00"), "reason": ""}, "退款原因"),
    ]
    for kwargs, message in cases:
        kwargs.setdefault("reason", "测试")
        with pytest.raises(Exception) as caught:
            refunds.refund_partially(order_id=order.order_id, **kwargs)
        assert message in str(caught.value.message), (kwargs, caught.value.message)
    assert not Refund.objects.exists() and not RefundLine.objects.exists()
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before
    assert not OrderEvent.objects.filter(order_id=order.order_id, kind=OrderEventKind.REFUND).exists()
    for text in ("abc", "0", "-3", "1.234", "NaN", "1e3"):
        with pytest.raises(refunds.InvalidPartialRefund):
            refunds.parse_refund_amount(text)
    assert refunds.parse_refund_amount(" 12.5 ") == Decimal("12.5")


def test_before_shipping_only_an_amount_and_the_cancel_refunds_the_rest(live_gateway):
    order = paid_order(shipped=False)  # ¥160, 待发货
    line = order.lines.get()
    with pytest.raises(refunds.InvalidPartialRefund, match="尚未发货"):
        refunds.refund_partially(order_id=order.order_id, reason="缺一件", returned={line.pk: 1})
    refunds.refund_partially(order_id=order.order_id, reason="差价", amount=Decimal("30.00"))
    run_refund_jobs()
    stock_before = SKU.objects.get(pk=line.sku_id).stock

    full = services.refund_order(order_id=order.order_id, reason="缺货")  # the existing cancel-after-pay path

    assert (full.amount, full.trigger, full.out_request_no) == (Decimal("130.00"), "operator", f"{order.order_id}R1")
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before + 3  # the cancel gives every unit back once
    run_refund_jobs()
    assert Refund.objects.get(pk=full.pk).status == RefundStatus.SUCCEEDED
    assert Payment.objects.get(order_id=order.order_id).status == PaymentStatus.REFUNDED
    assert sum(sandbox_refunds(order).values()) == Decimal("160.00")
    assert Order_status(order) == OrderStatus.CANCELED


def test_a_failed_refund_keeps_its_error_and_is_retried_only_if_it_still_fits(live_gateway):
    order = paid_order()
    # Someone refunded ¥150 of this trade in Alipay's own console: our ¥20 request is refused as too much.
    gateway.refund_trade(order_id=order.order_id, amount=Decimal("150.00"), out_request_no="CONSOLE1", reason="x")
    refund = refunds.refund_partially(order_id=order.order_id, reason="破损", amount=Decimal("20.00"))
    run_refund_jobs()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.error == "退款金额超限"
    assert refunds.is_retryable(refund)
    assert OrderEvent.objects.filter(order_id=order.order_id, message="¥20.00 ✗ 退款金额超限").exists()

    # Failed money does not count: another ¥150 may be asked for (it fails too in Alipay, ours is the truth).
    other = refunds.refund_partially(order_id=order.order_id, reason="破损", amount=Decimal("150.00"))
    with pytest.raises(RefundNotAllowed, match="超过实付金额"):
        services.retry_refund(refund_id=refund.pk)  # 150 + 20 > 160
    Refund.objects.filter(pk=other.pk).update(status=RefundStatus.FAILED)

    services.retry_refund(refund_id=refund.pk)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING
    run_refund_jobs()
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.FAILED  # Alipay still has only ¥10 left


def test_the_sandbox_speaks_partial_refunds(live_gateway):
    order = paid_order()
    first = gateway.refund_trade(order_id=order.order_id, amount=Decimal("60.00"), out_request_no="A1", reason="x")
    assert (first["code"], first["refund_fee"], first["send_back_fee"], first["fund_change"]) == (
        "10000",
        "60.00",
        "60.00",
        "Y",
    )
    again = gateway.refund_trade(order_id=order.order_id, amount=Decimal("60.00"), out_request_no="A1", reason="x")
    assert (again["code"], again["refund_fee"], again["fund_change"]) == ("10000", "60.00", "N")
    other_amount = gateway.refund_trade(order_id=order.order_id, amount=Decimal("1.00"), out_request_no="A1", reason="")
    assert other_amount["sub_code"] == "ACQ.DISCORDANT_REPEAT_REQUEST"
    too_much = gateway.refund_trade(order_id=order.order_id, amount=Decimal("100.01"), out_request_no="A2", reason="")
    assert too_much["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    rest = gateway.refund_trade(order_id=order.order_id, amount=Decimal("100.00"), out_request_no="A3", reason="")
    assert (rest["code"], rest["refund_fee"]) == ("10000", "160.00")
    assert store.get_trade(settings.ALIPAY_SANDBOX_APP_ID, order.order_id)["trade_status"] == "TRADE_CLOSED"


def test_operators_racing_never_refund_more_than_was_paid(live_gateway):
    order = paid_order(price="20.00", count=5)  # ¥110
    line = order.lines.get()
    stock_before = SKU.objects.get(pk=line.sku_id).stock

    def refund(i: int):
        if i % 2:
            return refunds.refund_partially(order_id=order.order_id, reason=f"退货{i}", returned={line.pk: 2})
        return refunds.refund_partially(order_id=order.order_id, reason=f"补偿{i}", amount=Decimal("30.00"))

    results = run_in_threads(refund, 8)

    done = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "err"]
    assert done and refused
    expected = (refunds.RefundExceedsPaid, refunds.InvalidPartialRefund)
    assert all(isinstance(error, expected) for error in refused), refused
    total = sum(r.amount for r in Refund.objects.all())
    assert total <= Decimal("110.00")
    assert total > Decimal("110.00") - Decimal("40.00")  # refused only once nothing of the size fitted
    returned = sum(RefundLine.objects.values_list("count", flat=True))
    assert returned <= 5
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before + returned
    numbers = sorted(Refund.objects.values_list("out_request_no", flat=True))
    assert numbers == sorted(f"{order.order_id}P{n}" for n in range(1, len(done) + 1))
    run_refund_jobs()
    assert set(Refund.objects.values_list("status", flat=True)) == {RefundStatus.SUCCEEDED}
    assert sum(sandbox_refunds(order).values()) == total
