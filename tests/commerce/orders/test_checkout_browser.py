"""The checkout journey in Chromium against Daphne (issue 4 acceptance): anonymous add to cart -> log in (cart
merged) -> checkout -> cash on delivery order -> it is in "my orders"; an open detail page of the bought SKU
shows the new stock live (real worker, Redis channel layer, websockets)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from commerce.orders.models import Order, OrderStatus
from tests.factories import AddressFactory, SKUFactory, UserFactory, ensure_beijing_areas

pytestmark = [pytest.mark.browser]


def test_anonymous_cart_login_checkout_cash_on_delivery_then_my_orders_and_live_stock(
    daphne_server, page, dramatiq_worker, transactional_db
):
    ensure_beijing_areas()
    sku = SKUFactory(name="美好扫地机器人", price=Decimal("1299.00"), stock=10)
    user = UserFactory(username="checkoutbuyer")
    AddressFactory(user=user, receiver="王五", place="长安街 10 号")

    # A second tab watches the product page's live stock.
    watcher = page.context.new_page()
    watcher.goto(f"{daphne_server}/goods/{sku.pk}/")
    live_stock = watcher.locator(f'[data-live-stock][data-sku-id="{sku.pk}"]')
    expect(live_stock).to_have_text("10")
    expect(live_stock).to_have_attribute("data-live-stock-state", "live")

    # Anonymous: add 2 to the cookie cart.
    page.goto(f"{daphne_server}/goods/{sku.pk}/")
    page.locator(".count-picker .count-plus").click()
    page.get_by_role("button", name="加入购物车").click()
    expect(page.locator("header [data-cart-count]")).to_have_text("2")

    # Log in: the cart is merged into the account.
    page.goto(f"{daphne_server}/accounts/login/?next=/cart/")
    page.fill("#id_login", "checkoutbuyer")
    page.fill("#id_password", "meihao-pass-1")
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator("[data-cart-line]")).to_have_count(1)

    # Checkout: server-computed amounts, cash on delivery.
    page.locator("a[data-checkout]").click()
    expect(page).to_have_url(re.compile(r"/orders/settlement/$"))
    expect(page.locator('[data-amount="goods_amount"]')).to_have_text("¥2598.00")
    expect(page.locator('[data-amount="freight"]')).to_have_text("¥0.00")  # 满99包邮, the default rule
    expect(page.locator('[data-amount="pay_amount"]')).to_have_text("¥2598.00")
    page.get_by_label("货到付款").check()
    page.locator("[data-submit]").click()

    expect(page).to_have_url(re.compile(r"/orders/\d{29}/$"))
    order = Order.objects.get(user=user)
    assert order.status == OrderStatus.TO_SHIP and order.pay_amount == Decimal("2598.00")
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", "unsend")
    expect(page.locator(f'[data-order-id="{order.pk}"]')).to_be_visible()

    # My orders lists it; the watching tab shows the new stock without a reload.
    page.goto(f"{daphne_server}/orders/")
    expect(page.locator(f'.order-card[data-order-id="{order.pk}"]')).to_contain_text("待发货")
    expect(live_stock).to_have_text("8")
    expect(page.locator("header [data-cart-count]")).to_have_text("0")
