"""部分退款 in Chromium (issue #15): an order clerk (订单管理员) returns one unit of a shipped Alipay order from its
admin page; Alipay (the offline sandbox on the Daphne server) cannot be reached at first, so the order page
shows the refund's error and a retry button; the clerk retries once it is back and the refund succeeds, with
the stock back and both rows on the timeline. Asking for more than is left is refused with the figures. A
staff member who may see orders but not refund gets neither the link nor the page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from cms.management.staff_groups import ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import SKU
from commerce.payments.models import Refund, RefundStatus
from tests.commerce.payments.conftest import logged_in, pay_in_sandbox, place_alipay_order
from tests.commerce.payments.test_partial_refunds import run_refund_jobs
from tests.e2e.support import log_in
from tests.factories import UserFactory, ensure_wagtail_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("beijing_areas")]

UNREACHABLE = "http://127.0.0.1:9/gateway.do"


def shipped_alipay_order(daphne_server, settings):
    from commerce.orders.services import ship_order
    from commerce.payments import services

    settings.ALIPAY_SANDBOX_SITE_URL = daphne_server  # this process's SDK calls reach the sandbox there
    order = place_alipay_order(price="50.00", count=3)  # ¥160
    pay_in_sandbox(logged_in(order.user), order)
    assert services.query_payment(order_id=order.order_id) == services.Outcome.PAID
    ship_order(order_id=order.order_id, carrier="sf", tracking_no="SF1234567890")
    return order


def test_a_clerk_refunds_a_returned_unit_retries_when_alipay_is_back_and_cannot_overrefund(
    daphne_server, page, settings
):
    ensure_wagtail_tree()
    clerk = UserFactory(username="clerk")
    clerk.groups.add(ensure_staff_groups()[ORDER_STAFF])
    order = shipped_alipay_order(daphne_server, settings)
    line = order.lines.get()
    stock_before = SKU.objects.get(pk=line.sku_id).stock

    log_in(page, daphne_server, clerk)
    page.goto(f"{daphne_server}/admin/orders/inspect/{order.order_id}/")
    expect(page.locator("[data-order-payments]")).to_contain_text("可退金额 ¥160.00")
    page.locator("[data-partial-refund-link]").click()

    form = page.locator("[data-partial-refund-form]")
    expect(page.locator("[data-refundable]")).to_have_text("¥160.00")
    form.get_by_label(f"{line.sku_name} 退货数量").fill("1")
    form.get_by_label("退款原因").fill("颜色不喜欢")
    settings.ALIPAY_GATEWAY = UNREACHABLE  # Alipay is down when the job runs
    form.get_by_role("button", name="提交部分退款").click()

    expect(page.locator(".messages")).to_contain_text(f"已提交部分退款 {order.order_id}P1：¥50.00")
    expect(page).to_have_url(f"{daphne_server}/admin/orders/inspect/{order.order_id}/")
    assert SKU.objects.get(pk=line.sku_id).stock == stock_before + 1
    run_refund_jobs()
    page.reload()
    refund_table = page.locator(f'[data-refund="{order.order_id}P1"]')
    expect(refund_table.locator("[data-refund-status]")).to_have_attribute("data-refund-status", "pending")
    expect(page.locator("[data-refund-error]")).to_contain_text("无法连接支付宝")

    # Alipay is back: 立即重试退款.
    settings.ALIPAY_GATEWAY = "/alipay-sandbox/gateway.do"
    page.locator("[data-refund-retry]").get_by_role("button", name="立即重试退款").click()
    expect(page.locator(".messages")).to_contain_text("已重新提交支付宝")
    run_refund_jobs()
    page.reload()
    expect(refund_table.locator("[data-refund-status]")).to_have_attribute("data-refund-status", "succeeded")
    expect(refund_table).to_contain_text("退款成功")
    refund_rows = page.locator('[data-timeline] tr[data-event-kind="refund"]')
    expect(refund_rows.first).to_contain_text(f"¥50.00 {order.order_id}P1 颜色不喜欢")
    expect(refund_rows.first).to_contain_text("clerk")
    expect(refund_rows.last).to_contain_text(f"¥50.00 ✓ {order.order_id}P1")
    page.screenshot(path="/tmp/opsrefund-partial-refund-order.png", full_page=True)

    # More than is left (¥110) is refused with the figures, and nothing is written.
    page.locator("[data-partial-refund-link]").click()
    expect(page.locator(f'[data-refund-line="{line.pk}"] [data-returned]')).to_have_text("1")
    page.get_by_label("退款金额（元）").fill("110.01")
    page.get_by_label("退款原因").fill("补偿")
    page.get_by_role("button", name="提交部分退款").click()
    expect(page.locator(".messages")).to_contain_text("退款金额 ¥110.01 超过可退金额 ¥110.00")
    expect(page.get_by_label("退款原因")).to_have_value("补偿")
    page.screenshot(path="/tmp/opsrefund-partial-refund-refused.png", full_page=True)
    assert Refund.objects.count() == 1 and Refund.objects.get().status == RefundStatus.SUCCEEDED


def test_staff_without_the_refund_permission_get_no_link_and_no_page(daphne_server, page, settings):
    ensure_wagtail_tree()
    viewer_group, _ = Group.objects.get_or_create(name="订单查看")
    viewer_group.permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_order"]).exclude(content_type__model="page")
    )
    viewer = UserFactory(username="viewer")
    viewer.groups.add(viewer_group)
    order = shipped_alipay_order(daphne_server, settings)

    log_in(page, daphne_server, viewer)
    page.goto(f"{daphne_server}/admin/orders/inspect/{order.order_id}/")
    expect(page.locator("[data-order-payments]")).to_contain_text("支付与退款")
    expect(page.locator("[data-partial-refund-link]")).to_have_count(0)
    page.goto(f"{daphne_server}/admin/payments/orders/{order.order_id}/partial-refund/")
    # Wagtail turns the view's PermissionDenied into its "no permission" message on the admin home.
    expect(page).to_have_url(f"{daphne_server}/admin/")
    expect(page.locator(".messages")).to_contain_text("权限")
    expect(page.locator("[data-partial-refund-form]")).to_have_count(0)
    assert not Refund.objects.exists()
