"""Live stock end to end (SPEC G1): an editor saves a new stock in the Wagtail admin; the shopper's open
detail page shows it without reload, and keeps doing so across a dropped connection. Real Daphne (HTTP +
websockets), Redis channel layer, Dramatiq worker and Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from commerce.catalog.models import SKU
from tests.factories import SKUFactory, UserFactory, ensure_wagtail_tree

pytestmark = [pytest.mark.browser]


def realtime_script_errors(page: Page) -> list[str]:
    """A list that fills with uncaught errors thrown by live-stock.js or realtime.js."""
    errors: list[str] = []

    def record(error) -> None:
        text = f"{error}\n{error.stack or ''}"
        if "live-stock.js" in text or "realtime.js" in text:
            errors.append(text)

    page.on("pageerror", record)
    return errors


def open_detail_page(page: Page, base_url: str, sku_id: int):
    page.goto(f"{base_url}/goods/{sku_id}/")
    stock = page.locator(f'[data-live-stock][data-sku-id="{sku_id}"]')
    expect(stock).to_have_attribute("data-live-stock-state", "live")
    page.evaluate("window.__notReloaded = true")
    return stock


def log_into_admin(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "meihao-pass-1")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/admin/")


def save_stock_in_admin(page: Page, base_url: str, sku_id: int, stock: int) -> None:
    """What an editor does: open the SKU's edit form, go to the 价格与库存 tab, type the stock, save."""
    page.goto(f"{base_url}/admin/snippets/catalog/sku/edit/{sku_id}/")
    page.get_by_role("tab", name="价格与库存").click()
    page.fill("#id_stock", str(stock))
    page.locator("button.action-save").click()
    expect(page.locator(".messages .success")).to_be_visible()


def test_an_editor_saving_stock_in_the_admin_updates_the_open_detail_page(
    daphne_server, page, dramatiq_worker, transactional_db
):
    ensure_wagtail_tree()  # an earlier transactional test's flush emptied Wagtail's migrated rows
    sku = SKUFactory(stock=12)
    UserFactory(username="editor", is_staff=True, is_superuser=True)
    errors = realtime_script_errors(page)
    stock = open_detail_page(page, daphne_server, sku.id)
    expect(stock).to_have_text("12")

    admin = page.context.new_page()
    log_into_admin(admin, daphne_server, "editor")
    save_stock_in_admin(admin, daphne_server, sku.id, 3)

    expect(stock).to_have_text("3")
    expect(stock).not_to_have_attribute("data-sold-out", "")

    save_stock_in_admin(admin, daphne_server, sku.id, 0)

    expect(stock).to_have_text("0")
    expect(stock).to_have_attribute("data-sold-out", "")
    expect(page.locator(f'form[data-add-to-cart][data-sku-id="{sku.id}"] button[type=submit]')).to_be_disabled()
    assert page.evaluate("window.__notReloaded") is True
    assert errors == []


def test_the_detail_page_reconnects_after_the_socket_drops_and_catches_up(
    daphne_server, page, dramatiq_worker, transactional_db
):
    sku = SKUFactory(stock=9)
    errors = realtime_script_errors(page)
    sockets: list[WebSocketRoute] = []

    def pass_through(ws: WebSocketRoute) -> None:  # the real server answers; the test can cut the line
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws/stock/\d+/$"), pass_through)
    stock = open_detail_page(page, daphne_server, sku.id)
    expect(stock).to_have_text("9")

    sockets[0].close(code=1012, reason="service restart")  # as a deploy or a flaky network would
    expect(stock).to_have_attribute("data-live-stock-state", "retrying")
    # Changed while the page is disconnected, by an UPDATE that publishes nothing: only the snapshot sent on
    # reconnect can bring the page up to date.
    SKU.objects.filter(pk=sku.id).update(stock=4)

    expect(stock).to_have_text("4")
    expect(stock).to_have_attribute("data-live-stock-state", "live")
    assert len(sockets) == 2

    sku.refresh_from_db()
    sku.stock = 2
    sku.save()  # and live updates flow again on the new socket
    expect(stock).to_have_text("2")
    assert page.evaluate("window.__notReloaded") is True
    assert errors == []
