"""The 抢购 journey on the product page (issue 17): the countdown by server time, the button turning from 未开始
to 抢购 at the start, the press answered at once (排队中), then 抢购成功 with 去支付 live over the websocket once
the worker placed the order; another shopper's page turns to 已抢光 live. Real Daphne (the lean 抢购 route in
front of Django), Redis, Dramatiq worker and Chromium; screenshots in the test's folder."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from commerce.flashsales import services
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.e2e.support import log_in

pytestmark = [pytest.mark.browser]

START_IN = 8  # seconds: long enough to see the countdown, short enough to wait for


def test_countdown_then_press_then_queued_then_success_and_pay(
    daphne_server, page, browser, dramatiq_worker, beijing_areas, tmp_path
):
    sale = make_sale(quantity=1, start=START_IN, end=3600)
    services.start_sale(sale.pk)  # what the start job does LOAD_AHEAD_SECONDS before the start
    buyer, other = shopper(), shopper()

    log_in(page, daphne_server, buyer)
    page.goto(f"{daphne_server}/goods/{sale.sku_id}/")
    box = page.locator(f'.flash-box[data-sale-id="{sale.pk}"]')
    button = box.locator("[data-flash-button]")
    expect(button).to_have_text("未开始")
    expect(button).to_have_attribute("data-state", "not_started")
    expect(box.locator("[data-flash-countdown]")).to_have_text(re.compile(r"距开始 0:00:0\d"))
    expect(box.locator("[data-flash-left]")).to_have_text("1")
    page.screenshot(path=tmp_path / "1-countdown.png", full_page=True)

    other_page = browser.new_context(locale="zh-CN").new_page()
    log_in(other_page, daphne_server, other)
    other_page.goto(f"{daphne_server}/goods/{sale.sku_id}/")
    other_button = other_page.locator(f'.flash-box[data-sale-id="{sale.pk}"] [data-flash-button]')
    expect(other_button).to_have_text("未开始")

    expect(button).to_have_text("抢购", timeout=(START_IN + 10) * 1000)  # by the server's clock
    expect(button).to_be_enabled()
    page.screenshot(path=tmp_path / "2-live.png", full_page=True)
    button.click()
    message = box.locator("[data-flash-message]")
    expect(message).to_have_text(re.compile("排队中|抢购成功"))
    page.screenshot(path=tmp_path / "3-queued.png", full_page=True)

    # The worker turns the queued press into an order; the socket says so without a reload.
    pay = box.locator("[data-flash-entries] a[data-order-id]")
    expect(pay).to_have_text("去支付", timeout=30_000)
    expect(message).to_have_text("抢购成功")
    expect(other_button).to_have_text("已抢光")  # the last unit went: live on the other shopper's page
    page.screenshot(path=tmp_path / "4-success.png", full_page=True)
    other_page.screenshot(path=tmp_path / "5-other-sold-out.png", full_page=True)

    order_id = pay.get_attribute("data-order-id")
    pay.click()
    expect(page).to_have_url(re.compile(rf"/orders/{order_id}/"))
    page.screenshot(path=tmp_path / "6-order.png", full_page=True)
    print(f"screenshots in {tmp_path}")
