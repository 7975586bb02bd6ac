"""A refund Alipay cannot take yet (SPEC F6, H): the Refund keeps the last error and the time of the next try,
tries back off (10 s, 20 s, ...), the orders admin shows it, and an operator can retry it at once. The tries
run through the real durable-job runner (tasks.durable) and the real sandbox on a live server once it is back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.payments import services
from commerce.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from commerce.payments.sandbox import store
from tasks import durable
from tasks.models import DurableJob
from tests.commerce.orders.admin_support import staff_client
from tests.commerce.payments.conftest import logged_in, pay_in_sandbox, place_alipay_order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

APP_ID = "2021000000000001"
UNREACHABLE = "http://127.0.0.1:9/gateway.do"


def job_of(refund: Refund) -> DurableJob:
    return DurableJob.objects.get(key=f"payments.refund:{refund.pk}")


def due_now(job: DurableJob) -> None:
    """Pretend the backoff has passed."""
    DurableJob.objects.filter(pk=job.pk).update(due_at=timezone.now())


def test_a_refund_alipay_cannot_take_keeps_its_error_backs_off_and_an_operator_retries_it(settings, live_gateway):
    from cms.management.staff_groups import ORDER_STAFF

    order = place_alipay_order()
    pay_in_sandbox(logged_in(order.user), order)
    assert services.query_payment(order_id=order.order_id) == services.Outcome.PAID

    settings.ALIPAY_GATEWAY = UNREACHABLE  # Alipay down
    refund = services.refund_order(order_id=order.order_id, reason="缺货", operator=UserFactory(username="ops"))
    job = job_of(refund)
    assert job.done_at is None and job.actor_name == "refund_payment_task"

    # 1st try fails: the refund says why and when the next try is; the job waits until then.
    before = timezone.now()
    assert durable.run_job(job.pk) is False
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.attempts == 1 and refund.is_stuck
    assert "无法连接支付宝" in refund.error
    assert before + timedelta(seconds=9) < refund.next_try_at < timezone.now() + timedelta(seconds=11)
    assert job_of(refund).due_at == refund.next_try_at and "无法连接支付宝" in job_of(refund).last_error

    # A duplicate or early message does nothing: the backoff holds.
    assert durable.run_job(job.pk) is False
    assert Refund.objects.get(pk=refund.pk).attempts == 1

    # 2nd try (once due) fails too: the wait doubles.
    due_now(job)
    before = timezone.now()
    assert durable.run_job(job.pk) is False
    refund.refresh_from_db()
    assert refund.attempts == 2
    assert before + timedelta(seconds=19) < refund.next_try_at < timezone.now() + timedelta(seconds=21)

    # The orders admin shows all of it, with a retry button.
    clerk = staff_client(ORDER_STAFF, "clerk")
    detail = clerk.get(f"/admin/orders/inspect/{order.order_id}/").content.decode()
    assert 'data-refund-status="pending"' in detail and "无法连接支付宝" in detail
    assert "data-refund-next-try" in detail and f"{timezone.localtime(refund.next_try_at):%Y-%m-%d %H:%M:%S}" in detail
    assert "data-refund-retry" in detail and "立即重试退款" in detail

    # Alipay is back; the operator retries now instead of waiting 20 s.
    settings.ALIPAY_GATEWAY = "/alipay-sandbox/gateway.do"
    response = clerk.post(
        f"/admin/payments/refunds/{refund.pk}/retry/", {"next": f"/admin/orders/inspect/{order.order_id}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/admin/orders/inspect/{order.order_id}/"
    job = job_of(refund)
    assert job.done_at is None and job.due_at <= timezone.now()
    assert durable.run_job(job.pk) is True

    refund.refresh_from_db()
    assert (refund.status, refund.error, refund.next_try_at) == (RefundStatus.SUCCEEDED, "", None)
    assert Payment.objects.get(order_id=order.order_id).status == PaymentStatus.REFUNDED
    assert store.get_trade(APP_ID, order.order_id)["refund_cents"] == str(int(order.pay_amount * 100))
    # Nothing left to retry.
    response = clerk.post(f"/admin/payments/refunds/{refund.pk}/retry/", follow=True)
    assert "无需重试" in response.content.decode()
    assert job_of(refund).done_at is not None


def test_after_the_last_automatic_try_the_refund_waits_for_an_operator(settings):
    order = place_alipay_order()
    payment = Payment.objects.create(order_id=order.order_id, trade_no="T1", amount=order.pay_amount, source="notify")
    settings.ALIPAY_GATEWAY = UNREACHABLE
    refund = services._create_refund(payment, reason="x", trigger="operator")
    Refund.objects.filter(pk=refund.pk).update(attempts=services.REFUND_MAX_ATTEMPTS - 1)

    assert durable.run_job(job_of(refund).pk) is False

    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.next_try_at is None and "请人工处理" in refund.error
    assert job_of(refund).done_at is not None  # no further automatic try; the admin's retry re-arms it
    services.retry_refund(refund_id=refund.pk)
    assert job_of(refund).done_at is None and Refund.objects.get(pk=refund.pk).next_try_at is not None


def test_retrying_needs_the_refund_permission_and_a_post(client):
    staff = logged_in(UserFactory(is_staff=True))
    assert staff.post("/admin/payments/refunds/1/retry/").status_code in (302, 403)
    assert staff.get("/admin/payments/refunds/1/retry/").status_code in (302, 405)
