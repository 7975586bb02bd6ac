"""The Alipay journey in Chromium (SPEC F1-F5, F7 acceptance): a shopper opens an unpaid Alipay order, pays on
the offline sandbox cashier, comes back to the shop, and the order page turns to 待发货 live over the
websocket, without a reload. Real Daphne (HTTP + websockets), Dramatiq worker (the sandbox's notify), Redis
channel layer, RSA2 signatures everywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from commerce.orders.models import Order, OrderStatus
from commerce.payments.models import Payment
from tests.commerce.payments.conftest import place_alipay_order
from tests.e2e.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("beijing_areas")]


def test_paying_on_the_sandbox_turns_the_order_page_to_be_shipped_live(daphne_server, page, dramatiq_worker, settings):
    # The worker runs in this process: its trade queries must reach the sandbox on the Daphne server.
    settings.ALIPAY_SANDBOX_SITE_URL = daphne_server
    order = place_alipay_order(price="99.50", count=2)
    log_in(page, daphne_server, order.user)

    page.goto(f"{daphne_server}/orders/{order.order_id}/")
    status = page.locator(f'[data-order-id="{order.order_id}"] [data-order-status]')
    expect(status).to_have_text("待支付")
    page.locator("[data-pay-link]").click()

    # The sandbox cashier: Alipay's look, the order's subject and amount.
    expect(page.locator("header")).to_contain_text("支付宝沙箱")
    expect(page.locator("[data-amount]")).to_have_text("209.00")
    expect(page.locator("[data-subject]")).to_contain_text(order.lines.get().sku_name)
    expect(page.locator("[data-out-trade-no]")).to_have_text(order.order_id)

    # Hold the worker so the notify lands after the shopper is back on an open, live order page.
    dramatiq_worker.pause()
    page.locator("[data-sandbox-pay]").click()

    expect(page).to_have_url(f"{daphne_server}/orders/{order.order_id}/")
    expect(page.locator("body")).to_contain_text("正在确认支付结果")
    expect(status).to_have_attribute("data-order-status-state", "live")
    expect(status).to_have_text("待支付")
    page.evaluate("window.__notReloaded = true")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID

    dramatiq_worker.resume()

    expect(status).to_have_text("待发货", timeout=30_000)
    expect(status).to_have_attribute("data-order-status", "unsend")
    expect(page.locator("[data-pay-link]")).to_be_hidden()
    assert page.evaluate("window.__notReloaded") is True
    payment = Payment.objects.get()
    assert payment.order_id == order.order_id and payment.amount == order.pay_amount
