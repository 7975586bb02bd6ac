"""Static detail page in a real browser (SPEC B6): Daphne serves the pre-rendered file, and page-user.js
fills in the shopper's name, the cart count and the CSRF token, and reports the visit."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from cms import static_page_builder
from commerce.catalog.models import GoodsVisitCount
from commerce.catalog.visits import flush_visits
from tests.factories import SKUFactory, UserFactory
from tests.support import wait_until

pytestmark = [pytest.mark.browser]


def test_static_page_gets_the_shoppers_name_cart_count_and_csrf_token(
    daphne_server, page, transactional_db, daphne_static_root
):
    sku = SKUFactory(name="静态页 浏览器 手机")
    assert static_page_builder.build_sku_page(sku.id)
    daphne_static_root.append(sku.id)
    user = UserFactory(username="static_buyer")
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": daphne_server,
            }
        ]
    )

    response = page.goto(f"{daphne_server}/goods/{sku.id}/")
    assert response.headers.get("x-static-page") == "1"
    expect(page.locator("body")).to_have_attribute("data-user-ready", "1")
    expect(page.locator("[data-user-bar] [data-user-name]")).to_have_text("static_buyer")
    expect(page.locator("[data-user-bar] [data-anonymous-only]").first).to_be_hidden()
    expect(page.locator("[data-cart-count]").first).to_have_text("0")
    token = page.locator("form[data-add-to-cart] input[name=csrfmiddlewaretoken]")
    expect(token).to_have_count(1)
    assert len(token.get_attribute("value")) >= 32

    def flushed() -> bool:
        flush_visits()  # what the scheduler's job does every minute
        return GoodsVisitCount.objects.filter(category=sku.category).exists()

    wait_until(flushed, 10, "the page's visit to be counted")
    assert GoodsVisitCount.objects.get(category=sku.category).count == 1


def test_anonymous_visitor_keeps_the_login_links(daphne_server, page, transactional_db, daphne_static_root):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    daphne_static_root.append(sku.id)

    response = page.goto(f"{daphne_server}/goods/{sku.id}/")
    assert response.headers.get("x-static-page") == "1"
    expect(page.locator("body")).to_have_attribute("data-user-ready", "1")
    expect(page.locator("[data-user-bar] [data-anonymous-only]").first).to_be_visible()
    expect(page.locator("[data-user-bar] [data-user-name]")).to_have_count(0)
