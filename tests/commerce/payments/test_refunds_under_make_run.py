"""SPEC F6/F7 in the real process layout: `scripts/run.py` (what `make run` runs) starts web, worker and
scheduler from the Procfile under honcho, which gives each its own PORT. The worker's refunds must still reach
the sandbox on the web process: an operator's cancel-with-refund and a late payment's automatic refund."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from django.conf import settings

from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import expire_unpaid_order
from commerce.payments import services
from commerce.payments.models import Payment, PaymentStatus, Refund, RefundStatus, RefundTrigger
from commerce.payments.sandbox import store
from tasks import durable
from tests.commerce.orders.conftest import age_order
from tests.commerce.payments.conftest import place_alipay_order, post_notify, signed_notify
from tests.factories import UserFactory
from tests.processes import Child, child_env, free_port, wait_until

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]


def sandbox_trade(order, notify_url: str = "") -> dict:
    trade, created = store.pay_trade(
        app_id=settings.ALIPAY_SANDBOX_APP_ID,
        out_trade_no=order.order_id,
        subject="测试商品",
        total_amount=f"{order.pay_amount:.2f}",
        seller_id=settings.ALIPAY_SANDBOX_SELLER_ID,
        notify_url=notify_url,
        return_url="",
    )
    assert created
    return trade


def refund_of(order) -> Refund | None:
    return Refund.objects.filter(order_id=order.order_id, status=RefundStatus.SUCCEEDED).first()


def test_make_run_processes_refund_through_the_sandbox_on_the_web_process(tmp_path):
    port = free_port()
    env = child_env(tmp_path, PORT=str(port), STOP_TIMEOUT="30")
    env.pop("ALIPAY_SANDBOX_SITE_URL", None)  # run.py must set it, the same for every process
    shop = Child("make-run", [sys.executable, "scripts/run.py", "--skip-setup"], env, tmp_path)
    try:
        for process in ("web.1", "worker.1", "scheduler.1"):
            shop.wait_for_output(f"{process} started", 30)
        shop.wait_for_output("leader: took the lock", 60)

        # 1. An operator cancels a paid order: the worker refunds it through the sandbox on the web process.
        paid = place_alipay_order()
        trade = sandbox_trade(paid)
        assert post_notify(signed_notify(paid, trade=trade)) == "success"
        services.refund_order(order_id=paid.order_id, reason="缺货", operator=UserFactory(username="ops"))
        refund = wait_until(lambda: refund_of(paid), 90, "the operator's refund", shop)
        assert (refund.trigger, refund.amount, refund.error) == (RefundTrigger.OPERATOR, paid.pay_amount, "")
        assert store.get_trade(settings.ALIPAY_SANDBOX_APP_ID, paid.order_id)["trade_status"] == "TRADE_CLOSED"

        # 2. Money lands on an order the timeout cancelled: the sandbox's notify (sent by the worker to the web
        #    process) records it, and the worker refunds it.
        late = place_alipay_order()
        age_order(late, settings.ORDER_UNPAID_TIMEOUT_SECONDS + 1)
        assert expire_unpaid_order(order_id=late.order_id)
        sandbox_trade(late, notify_url=f"http://127.0.0.1:{port}/payment/alipay/notify/")
        durable.schedule(
            "deliver_sandbox_notify_task",
            settings.ALIPAY_SANDBOX_APP_ID,
            late.order_id,
            key=f"sandbox.notify:{settings.ALIPAY_SANDBOX_APP_ID}:{late.order_id}",
        )
        refund = wait_until(lambda: refund_of(late), 90, "the late payment's refund", shop)
        assert refund.trigger == RefundTrigger.LATE_PAYMENT and refund.amount == late.pay_amount
        assert Order.objects.get(pk=late.pk).status == OrderStatus.CANCELED
        assert Payment.objects.get(order_id=late.order_id).status == PaymentStatus.REFUNDED
        assert sum(r.amount for r in Refund.objects.all()) == paid.pay_amount + late.pay_amount > Decimal(0)
    finally:
        code = shop.stop(timeout=45)
    output = shop.output()
    # Stopped gracefully: honcho's SIGTERM, no SIGKILL needed, the worker shut down in time.
    assert "sending SIGTERM" in output and "sending SIGKILL" not in output, output[-3000:]
    assert code is not None
