"""A static detail page never shows a stale stock (issue 13, SPEC B6 + G1).

The pre-rendered file is shared by every visitor and is not rebuilt on each sale, so it carries no stock number
at all: live-stock.js fills it in from /ws/stock/<id>/, whose first message is the committed stock. The test
orders from the static page's SKU, reads the file, and watches a browser show the new number.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from cms import static_page_builder
from commerce.orders import tokens
from commerce.orders.models import PayMethod
from commerce.orders.services import place_order
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory, ensure_beijing_areas

pytestmark = [pytest.mark.browser]


def _stock_markup(sku_id: int) -> tuple[str, BeautifulSoup]:
    html = static_page_builder.sku_file(sku_id, "zh-hans").read_text(encoding="utf-8")
    return html, BeautifulSoup(html, "html.parser")


def test_ordering_from_a_static_page_leaves_no_stale_stock_in_the_file(
    daphne_server, page, transactional_db, daphne_static_root
):
    ensure_beijing_areas()
    sku = SKUFactory(name="静态页 库存 测试", stock=85)
    assert static_page_builder.build_sku_page(sku.id)
    daphne_static_root.append(sku.id)
    buyer = UserFactory()
    put_in_cart(buyer, sku, 1)
    place_order(
        user=buyer,
        address_id=AddressFactory(user=buyer).pk,
        pay_method=PayMethod.CASH,
        token=tokens.issue_token(user_id=buyer.pk),
    )
    sku.refresh_from_db()
    assert sku.stock == 84

    html, soup = _stock_markup(sku.id)
    stock = soup.select_one(f'[data-live-stock][data-sku-id="{sku.id}"]')
    assert stock is not None and not any(ch.isdigit() for ch in stock.get_text())
    shown = {name: value for name, value in stock.attrs.items() if name != "data-sku-id"}
    assert "85" not in str(shown) and "84" not in str(shown)  # the SKU's own id may be 84 or 85
    count = soup.select_one("form[data-add-to-cart] input[name=count]")
    assert not count.has_attr("max")  # the buy form's limit comes from the socket too
    assert soup.select_one("form[data-add-to-cart] button[type=submit]").get("disabled") is None

    response = page.goto(f"{daphne_server}/goods/{sku.id}/")
    assert response.headers.get("x-static-page") == "1"
    live = page.locator(f'[data-live-stock][data-sku-id="{sku.id}"]')
    expect(live).to_have_text("84")
    expect(page.locator("form[data-add-to-cart] input[name=count]")).to_have_attribute("max", "84")


def test_the_dynamic_page_still_shows_the_stock_in_its_html(client, db):
    sku = SKUFactory(stock=7)
    soup = BeautifulSoup(client.get(f"/goods/{sku.id}/").content, "html.parser")
    assert soup.select_one("[data-live-stock]").get_text() == "7"
