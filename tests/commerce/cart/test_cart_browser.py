"""The cart in a real Chromium against Daphne (SPEC D1-D4): add from the product page, the header count,
the cart page's count change, ticks and delete with server totals, then a login that carries the cart."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from commerce.cart.storage import CartItem, RedisCart
from tests.factories import SKUFactory, UserFactory

pytestmark = [pytest.mark.browser]


def test_anonymous_cart_journey_then_login_merges(daphne_server, page, transactional_db):
    phone = SKUFactory(name="美好手机 X1", price=Decimal("1999.00"), stock=10)
    cable = SKUFactory(name="数据线", price=Decimal("0.10"), stock=50)
    user = UserFactory(username="cartbuyer")
    header_count = page.locator("header [data-cart-count]")

    # Product page: pick 2 and add; the header follows without a reload.
    page.goto(f"{daphne_server}/goods/{phone.pk}/")
    expect(header_count).to_have_attribute("data-count", "0")
    page.locator(".count-picker .count-plus").click()
    page.get_by_role("button", name="加入购物车").click()
    expect(page.locator("[data-cart-toast]")).to_have_text("已加入购物车")
    expect(header_count).to_have_text("2")

    # Another page reads the count from the server (the cookie cart).
    page.goto(f"{daphne_server}/goods/{cable.pk}/")
    expect(header_count).to_have_text("2")
    page.get_by_role("button", name="加入购物车").click()
    expect(header_count).to_have_text("3")

    # Cart page: server-computed totals.
    page.goto(f"{daphne_server}/cart/")
    rows = page.locator("[data-cart-line]")
    expect(rows).to_have_count(2)
    amount = page.locator("[data-selected-amount]")
    expect(amount).to_have_text("¥3998.10")
    phone_row = page.locator(f'[data-cart-line][data-sku-id="{phone.pk}"]')
    cable_row = page.locator(f'[data-cart-line][data-sku-id="{cable.pk}"]')

    phone_row.locator("[data-count-step='1']").click()
    expect(phone_row.locator("[data-subtotal]")).to_have_text("¥5997.00")
    expect(amount).to_have_text("¥5997.10")
    expect(header_count).to_have_text("4")

    cable_row.locator("[data-select]").uncheck()
    expect(amount).to_have_text("¥5997.00")
    expect(page.locator("[data-selected-count]")).to_have_text("3")

    # Too many units: the server refuses, the page says why and shows what the server holds.
    count_input = phone_row.locator("[data-count]")
    count_input.fill("100")
    count_input.dispatch_event("change")
    expect(page.locator("[data-cart-message]")).to_contain_text("每件商品最多购买 99 件")
    expect(count_input).to_have_value("3")

    cable_row.locator("[data-delete]").click()
    expect(rows).to_have_count(1)
    expect(header_count).to_have_text("3")

    # Log in with the password form: the cookie cart moves into Redis and the cookie goes.
    page.goto(f"{daphne_server}/accounts/login/?next=/cart/")
    page.fill("#id_login", "cartbuyer")
    page.fill("#id_password", "meihao-pass-1")
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(page.locator("[data-cart-line]")).to_have_count(1)
    expect(header_count).to_have_text("3")
    assert RedisCart(user.pk).items() == {phone.pk: CartItem(3, True)}
    assert not [c for c in page.context.cookies() if c["name"] == "cart" and c["value"]]
