"""A new shopper's first minutes, in Chromium at 1280 px and at 390 px (issue 13).

On the demo catalog (as `manage.py load_demo` builds it), the journey visits home, a category list, a product,
login and register (anonymous), then logs in and visits the cart, checkout, an order and the user center. Each
page is photographed (full page, under var/screenshots/storefront/, not committed) and checked for the layout
facts a shopper trips over:

- no horizontal scroll (the page is never wider than the window);
- every image shown has loaded (naturalWidth > 0);
- no button's text overflows it, and a button's text sits in its vertical middle (the cart's 去结算);
- a checkbox label (记住登录, the register agreement) is one line high;
- at checkout the submit button sits in the same bar as the amount to pay.

Media files: Daphne in the tests serves no /media/ (production serves them from object storage or the web
server); the browser's /media/ requests are answered from MEDIA_ROOT on disk, where the Daphne child writes the
renditions it makes.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from cms.demo import ensure_demo_home_page
from commerce.catalog.demo import load_catalog
from commerce.catalog.models import SKU, GoodsCategory
from commerce.orders import tokens
from commerce.orders.models import PayMethod
from commerce.orders.services import place_order
from config.settings import test as test_settings
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, UserFactory, ensure_beijing_areas, ensure_wagtail_tree

pytestmark = [pytest.mark.browser]

SHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots" / "storefront"
WIDTHS = (1280, 390)

# Runs in the page: a list of what is wrong with the layout (empty when the page is fine).
LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && el.offsetParent !== null;
  };
  const name = (el) => {
    const classes = el.className ? "." + String(el.className).trim().replace(/\\s+/g, ".") : "";
    const text = (el.textContent || el.alt || el.src || "").trim().slice(0, 30);
    return el.tagName.toLowerCase() + classes + " '" + text + "'";
  };
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    const wide = Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1);
    problems.push("horizontal scroll " + doc.scrollWidth + " > " + window.innerWidth + ": "
                  + wide.slice(0, 3).map(name).join(", "));
  }
  for (const img of document.images) {
    if (visible(img) && (!img.complete || img.naturalWidth === 0)) { problems.push("image not loaded: " + name(img)); }
  }
  for (const button of document.querySelectorAll("button, .btn-primary, input[type=submit]")) {
    if (!visible(button) || button.closest(".catmenu, .allcats-menu")) { continue; }
    if (button.scrollWidth > button.clientWidth + 1 || button.scrollHeight > button.clientHeight + 1) {
      problems.push("text overflows button: " + name(button));
    }
    if (button.classList.contains("btn-primary") && button.textContent.trim()) {
      const range = document.createRange();
      range.selectNodeContents(button);
      const text = range.getBoundingClientRect(), box = button.getBoundingClientRect();
      const off = Math.abs((text.top + text.bottom) / 2 - (box.top + box.bottom) / 2);
      if (off > 4) { problems.push("button text not centred (" + off.toFixed(1) + " px): " + name(button)); }
    }
  }
  for (const label of document.querySelectorAll("label.checkbox, label:has(> input[type=checkbox])")) {
    if (!visible(label)) { continue; }
    const line = parseFloat(getComputedStyle(label).lineHeight) || 24;
    const height = label.getBoundingClientRect().height;
    if (height > line * 1.5) {
      problems.push("checkbox label " + height + " px high (line " + line + "): " + name(label));
    }
  }
  return problems;
}
"""

SCROLL_THROUGH = """
async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += 500) {
    window.scrollTo(0, y);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  window.scrollTo(0, 0);
}
"""


def _serve_media(route) -> None:
    """The browser's /media/... requests, answered from MEDIA_ROOT (see the module docstring)."""
    path = Path(django_settings.MEDIA_ROOT) / unquote(urlsplit(route.request.url).path).removeprefix("/media/")
    if path.is_file() and Path(django_settings.MEDIA_ROOT).resolve() in path.resolve().parents:
        route.fulfill(body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "image/jpeg")
    else:
        route.fulfill(status=404, body="")


def _check(page: Page, name: str, width: int, problems: dict[str, list[str]]) -> None:
    """Load every lazy image, photograph the page and record its layout problems."""
    page.wait_for_load_state("networkidle")
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_function(
        "Array.from(document.images).filter(i => i.offsetParent !== null).every(i => i.complete)", timeout=15_000
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    found = page.evaluate(LAYOUT_PROBLEMS)
    if found:
        problems[f"{name} @ {width}px"] = found


@pytest.fixture
def demo_shop(settings, transactional_db):
    """The demo catalog and home page, with media where the Daphne child (started once per run) looks."""
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT
    ensure_wagtail_tree()  # an earlier transactional test's flush removed the root page and collection
    load_catalog()
    ensure_demo_home_page()
    ensure_beijing_areas()


def test_a_new_shoppers_pages_look_right_at_desktop_and_phone_width(daphne_server, browser, demo_shop):
    base = daphne_server
    shopper = UserFactory(username="first_visit")
    address = AddressFactory(user=shopper)
    shopper.default_address = address
    shopper.save(update_fields=["default_address"])
    phone, laptop, apple = (
        SKU.objects.filter(is_launched=True, category__name=name).order_by("pk").first()
        for name in ("手机", "笔记本", "苹果")
    )
    put_in_cart(shopper, apple, 1)
    order = place_order(
        user=shopper, address_id=address.pk, pay_method=PayMethod.CASH, token=tokens.issue_token(user_id=shopper.pk)
    )
    category = GoodsCategory.objects.get(name="手机", parent__name="手机通讯")
    problems: dict[str, list[str]] = {}

    for width in WIDTHS:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        context.route(re.compile(r"^https?://[^/]+/media/"), _serve_media)
        page = context.new_page()
        page.set_default_timeout(20_000)

        page.goto(f"{base}/")
        expect(page.locator("section.floor").first).to_be_visible()
        _check(page, "home", width, problems)
        page.goto(f"{base}/list/{category.pk}/")
        expect(page.locator(".sku-grid li").first).to_be_visible()
        _check(page, "list", width, problems)
        page.goto(f"{base}{phone.get_absolute_url()}")
        expect(page.locator("[data-freight-claim]")).to_have_text("满99包邮")
        _check(page, "detail", width, problems)
        page.goto(f"{base}/register/")
        _check(page, "register", width, problems)
        page.goto(f"{base}/accounts/login/?next=/cart/")
        _check(page, "login", width, problems)

        page.fill("#id_login", "first_visit")
        page.fill("#id_password", "meihao-pass-1")
        page.check("#id_remember")
        page.click("button.auth-submit")
        page.wait_for_url(f"{base}/cart/")
        put_in_cart(shopper, phone, 1)
        put_in_cart(shopper, laptop, 2)
        page.reload()
        expect(page.locator("[data-cart-line]")).to_have_count(2)
        expect(page.locator("[data-freight-amount]")).to_have_text("¥0.00")  # over 99: ships free
        _check(page, "cart", width, problems)

        page.click("[data-checkout]")
        page.wait_for_url(f"{base}/orders/settlement/")
        expect(page.locator(".line-thumb img")).to_have_count(2)
        _check(page, "checkout", width, problems)
        pay = page.locator('form[data-place-form] [data-amount="pay_amount"]').bounding_box()
        submit = page.locator("form[data-place-form] [data-submit]").bounding_box()
        assert abs((pay["y"] + pay["height"] / 2) - (submit["y"] + submit["height"] / 2)) < 40 or (
            width < 600 and 0 <= submit["y"] - pay["y"] < 80
        ), (pay, submit)
        assert abs(submit["x"] - (pay["x"] + pay["width"])) < 300, (pay, submit)

        page.goto(f"{base}{order.get_absolute_url()}")
        expect(page.locator(".line-thumb img")).to_have_count(1)
        _check(page, "order", width, problems)
        page.goto(f"{base}/orders/")
        _check(page, "orders", width, problems)
        page.goto(f"{base}/center/")
        expect(page.locator(".center-menu a", has_text="我的优惠券")).to_have_attribute("href", "/orders/coupons/")
        _check(page, "user-center", width, problems)
        context.close()

    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())
