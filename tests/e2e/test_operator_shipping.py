"""Order clerks in the Wagtail admin in Chromium. Shipping (SPEC I, G3): carrier and tracking number
typed on the order page, the shopper's open order page turns to 待收货 and shows the tracking number live (no
reload), the clerk's timeline shows the shipment and a note the clerk adds, and the packing slip prints the
lines. Customers: find a shopper by mobile, adjust points with a reason, deactivate and reactivate.
Real Daphne (HTTP + websockets), Redis channel layer, the 订单管理员 group's permissions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cms.management.staff_groups import ORDER_STAFF, ensure_staff_groups
from commerce.orders.models import Order, OrderStatus
from tests.commerce.orders.admin_support import place_cod_order
from tests.e2e.support import log_in
from tests.factories import UserFactory, ensure_wagtail_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("beijing_areas")]


def test_a_clerk_ships_with_a_tracking_number_and_the_shoppers_page_shows_it_live(daphne_server, browser, page):
    ensure_wagtail_tree()
    clerk = UserFactory(username="clerk")
    clerk.groups.add(ensure_staff_groups()[ORDER_STAFF])
    order = place_cod_order(price="88.00", count=1)

    # The shopper has the order page open.
    log_in(page, daphne_server, order.user)
    page.goto(f"{daphne_server}/orders/{order.order_id}/")
    status = page.locator(f'[data-order-id="{order.order_id}"] [data-order-status]')
    expect(status).to_have_text("待发货")
    expect(status).to_have_attribute("data-order-status-state", "live")
    expect(page.locator("[data-shipment]")).to_be_hidden()
    page.evaluate("window.__notReloaded = true")

    # The clerk ships it from the admin.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = context.new_page()
    admin.set_default_timeout(15_000)
    try:
        log_in(admin, daphne_server, clerk)
        admin.goto(f"{daphne_server}/admin/orders/")
        admin.get_by_role("link", name="批量发货").wait_for()
        admin.goto(f"{daphne_server}/admin/orders/inspect/{order.order_id}/")
        form = admin.locator("[data-ship-form]")
        form.locator("select[name=carrier]").select_option("sf")
        form.locator("input[name=tracking_no]").fill("SF1234567890")
        form.get_by_role("button", name="发货").click()
        expect(admin.locator(".messages")).to_contain_text(f"订单 {order.order_id} 已发货")
        expect(admin.locator("[data-status-label]")).to_have_text("待收货")
        shipment_row = admin.locator('[data-timeline] tr[data-event-kind="shipment"]')
        expect(shipment_row).to_contain_text("顺丰速运 SF1234567890")
        expect(shipment_row).to_contain_text("clerk")

        # ... and notes a phone call on the timeline.
        admin.locator("[data-note-form] textarea[name=text]").fill("客户来电：工作日送货")
        admin.locator("[data-note-form]").get_by_role("button", name="保存备注").click()
        expect(admin.locator('[data-timeline] tr[data-event-kind="note"]')).to_contain_text("客户来电：工作日送货")

        # The packing slip opens in a new tab, ready to print.
        with context.expect_page() as slip_info:
            admin.locator("[data-packing-slip-link]").click()
        slip = slip_info.value
        expect(slip.locator("[data-slip-lines] tbody tr")).to_have_count(1)
        expect(slip.locator("[data-receiver]")).to_have_text(order.receiver)
    finally:
        context.close()

    # The shopper's page followed without a reload.
    expect(status).to_have_text("待收货")
    expect(page.locator("[data-shipment]")).to_be_visible()
    expect(page.locator("[data-shipment] [data-carrier]")).to_have_text("顺丰速运")
    expect(page.locator("[data-shipment] [data-tracking-no]")).to_have_text("SF1234567890")
    assert page.evaluate("window.__notReloaded") is True
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_RECEIVE


def test_a_clerk_finds_a_shopper_by_mobile_adjusts_points_and_deactivates_them(daphne_server, page):
    ensure_wagtail_tree()
    clerk = UserFactory(username="clerk")
    clerk.groups.add(ensure_staff_groups()[ORDER_STAFF])
    shopper = UserFactory(username="lihua", mobile="13911112222", email="")

    log_in(page, daphne_server, clerk)
    page.goto(f"{daphne_server}/admin/customers/")
    page.locator("input[name=q]").fill("13911112222")
    page.locator("input[name=q]").press("Enter")
    page.get_by_role("link", name="lihua").first.click()
    expect(page.locator("[data-mobile]")).to_have_text("13911112222")

    form = page.locator("[data-points-form]")
    form.locator("input[name=delta]").fill("50")
    form.locator("input[name=note]").fill("客服补偿")
    form.get_by_role("button", name="调整积分").click()
    expect(page.locator("[data-points-balance]")).to_have_text("50")
    expect(page.locator("[data-points]")).to_contain_text("客服补偿（clerk）")

    page.locator("[data-activation-form]").get_by_role("button", name="停用顾客").click()
    expect(page.locator("[data-active]")).to_have_text("已停用")
    shopper.refresh_from_db()
    assert shopper.is_active is False and shopper.email == ""
    page.locator("[data-activation-form]").get_by_role("button", name="启用顾客").click()
    expect(page.locator("[data-active]")).to_have_text("正常")
