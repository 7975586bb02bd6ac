"""Operators in the Wagtail admin in Chromium (SPEC I, issue 15), beside test_operator_shipping.py: an 订单管理员
clerk bulk-ships orders, hides a comment and replies as the shop (the product page shows the reply, then not the
hidden comment), reads the dashboard for a chosen date range (refunds, top products, customers, charts, the
low-stock list) and downloads its CSV. Real Daphne, real Chromium, the group's own permissions; each page is
photographed under var/screenshots/operators/ (not committed)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from cms.management.staff_groups import ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import SKU
from commerce.orders import dashboard
from commerce.orders.comments import comment_order_line
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import confirm_receipt, ship_order
from commerce.payments.models import Payment, PaymentSource, Refund, RefundStatus, RefundTrigger
from tests.commerce.orders.admin_support import place_cod_order
from tests.e2e.support import log_in
from tests.factories import UserFactory, ensure_wagtail_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("beijing_areas")]

SHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots" / "operators"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def make_clerk():
    ensure_wagtail_tree()
    clerk = UserFactory(username="clerk")
    clerk.groups.add(ensure_staff_groups()[ORDER_STAFF])
    return clerk


def test_a_clerk_bulk_ships_the_ticked_orders(daphne_server, page):
    clerk = make_clerk()
    first, second, untouched = (place_cod_order(price="20.00", count=1) for _ in range(3))
    log_in(page, daphne_server, clerk)

    page.goto(f"{daphne_server}/admin/orders/")
    page.get_by_role("link", name="批量发货").click()
    form = page.locator("[data-bulk-ship-form]")
    expect(form.locator("[data-order-row]")).to_have_count(3)
    for order, carrier, number in ((first, "sf", "SF0000000001"), (second, "zto", "ZT0000000002")):
        row = form.locator(f'[data-order-row="{order.order_id}"]')
        row.locator("input[type=checkbox]").check()
        row.locator("select").select_option(carrier)
        row.locator("input[type=text]").fill(number)
    shot(page, "bulk-ship-filled")
    form.get_by_role("button", name="发货所选订单").click()

    expect(page.locator(".messages")).to_contain_text("已发货 2 单")
    expect(page.locator("[data-order-row]")).to_have_count(1)
    expect(page.locator(f'[data-order-row="{untouched.order_id}"]')).to_be_visible()
    shot(page, "bulk-ship-done")
    shipped = {o.order_id: o for o in Order.objects.filter(pk__in=[first.pk, second.pk])}
    assert {(o.status, o.carrier, o.tracking_no) for o in shipped.values()} == {
        (OrderStatus.TO_RECEIVE, "sf", "SF0000000001"),
        (OrderStatus.TO_RECEIVE, "zto", "ZT0000000002"),
    }
    assert Order.objects.get(pk=untouched.pk).status == OrderStatus.TO_SHIP


def test_a_clerk_replies_to_a_comment_and_hides_it_and_the_product_page_follows(daphne_server, page):
    clerk = make_clerk()
    order = place_cod_order(price="30.00", count=1)
    ship_order(order_id=order.order_id)
    confirm_receipt(order_id=order.order_id, user=order.user)
    comment = comment_order_line(
        user=order.user, order_id=order.order_id, line_id=order.lines.get().pk, score=5, content="包装完好，发货很快"
    )
    log_in(page, daphne_server, clerk)

    page.goto(f"{daphne_server}/admin/comments/?q=包装")
    expect(page.locator("table.listing tbody tr")).to_have_count(1)
    expect(page.locator("table.listing tbody")).to_contain_text("包装完好，发货很快")
    page.goto(f"{daphne_server}/admin/comments/inspect/{comment.pk}/")
    page.locator("[data-reply-form] textarea").fill("谢谢您的好评，期待再次光临")
    page.locator("[data-reply-form]").get_by_role("button", name="保存回复").click()
    expect(page.locator(".messages")).to_contain_text("回复已保存")
    expect(page.locator("[data-reply]")).to_contain_text("谢谢您的好评，期待再次光临")
    shot(page, "comment-replied")

    shopper = page.context.browser.new_page()
    try:
        shopper.goto(f"{daphne_server}/goods/{comment.sku_id}/")
        shopper.locator('label[for="tab-comments"]').click()
        reply = shopper.locator("[data-comment-reply]")
        expect(reply).to_be_visible()
        expect(reply).to_contain_text("谢谢您的好评，期待再次光临")
        expect(reply).to_contain_text("商家回复")
        shot(shopper, "product-page-reply")

        page.locator("[data-hide-form]").get_by_role("button", name="隐藏评价").click()
        expect(page.locator("[data-hidden]")).to_have_attribute("data-hidden", "1")
        shopper.reload()
        expect(shopper.locator("[data-comment-content]")).to_have_count(0)
        shot(shopper, "product-page-hidden")
    finally:
        shopper.close()
    assert SKU.objects.get(pk=comment.sku_id).comments == 0


def test_a_clerk_reads_the_dashboard_for_a_date_range_and_exports_it(daphne_server, page):
    clerk = make_clerk()
    today = dashboard.beijing_today()
    sold = place_cod_order(price="120.00", count=2)  # placed now: today in Beijing
    payment = Payment.objects.create(
        order_id=sold.order_id, trade_no="T-E2E-1", amount=Decimal("240.00"), source=PaymentSource.values[0]
    )
    Refund.objects.create(
        payment=payment,
        order_id=sold.order_id,
        out_request_no="R-E2E-1",
        amount=Decimal("40.00"),
        reason="少件",
        trigger=RefundTrigger.OPERATOR,
        status=RefundStatus.SUCCEEDED,
    )
    sku = sold.lines.get().sku
    SKU.objects.filter(pk=sku.pk).update(stock=2, low_stock_threshold=5)
    log_in(page, daphne_server, clerk)

    page.goto(f"{daphne_server}/admin/dashboard/")
    start = today - timedelta(days=6)
    page.locator("#range-start").fill(f"{start:%Y-%m-%d}")
    page.locator("#range-end").fill(f"{today:%Y-%m-%d}")
    page.locator("[data-range-form]").get_by_role("button", name="查看").click()
    expect(page).to_have_url(
        f"{daphne_server}/admin/dashboard/?day={today:%Y-%m-%d}&start={start:%Y-%m-%d}&end={today:%Y-%m-%d}"
    )

    expect(page.locator("[data-range-day]")).to_have_count(7)
    total = page.locator("[data-range-total] th")
    expect(total.nth(3)).to_have_text(f"¥{sold.pay_amount:.2f}")
    expect(total.nth(7)).to_have_text("1")
    expect(total.nth(8)).to_have_text("¥40.00")
    expect(page.locator(f'[data-top-sku="{sku.pk}"]')).to_contain_text(sku.name)
    expect(page.locator("[data-new-customers]")).to_have_text("1")
    expect(page.locator('[data-chart="range_sales"] [data-bar]')).to_have_count(7)
    expect(page.locator('[data-chart="range_refunds"] svg')).to_be_visible()
    expect(page.locator(f'[data-low-stock-sku="{sku.pk}"]')).to_contain_text(sku.name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-range]").screenshot(path=str(SHOTS / "dashboard-range.png"))

    with page.expect_download() as download_info:
        page.locator("[data-export-link]").click()
    download = download_info.value
    assert download.suggested_filename == f"dashboard-{start:%Y%m%d}-{today:%Y%m%d}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("日期（北京时间）,订单数")
    assert f"{today:%Y-%m-%d},1,1,{sold.pay_amount:.2f}" in text and "商品销量排行" in text
