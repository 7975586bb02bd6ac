"""English is complete (SPEC J): every msgid of locale/en has a reviewed English msgstr, the committed .mo
matches the .po, and the shopper-facing pages a visitor who picked English sees carry no Chinese text.

The language comes from the django_language cookie only (config/locale.py ignores Accept-Language)."""

from __future__ import annotations

import gettext
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings

from commerce.orders.models import Order, OrderLine, OrderStatus, PayMethod
from tests.factories import SKUFactory, UserFactory

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
HAN = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


# --- The catalogue ----------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags": set, "msgid": str, "msgid_plural": str|None, "msgstrs": [str]}."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgid": None, "msgid_plural": None, "msgstrs": {}, "obsolete": False}
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if current[0] == "msgstr":
                    entry["msgstrs"][current[1]] += _unquote(line)
                else:
                    entry[current[0]] += _unquote(line)
            else:
                keyword, _space, value = line.partition(" ")
                if keyword.startswith("msgstr"):
                    current = ("msgstr", keyword)
                    entry["msgstrs"][keyword] = _unquote(value)
                else:
                    current = (keyword, None)
                    entry[keyword] = _unquote(value)
        if entry["msgid"]:  # skips the header (msgid "") and empty blocks
            entry["msgstrs"] = list(entry["msgstrs"].values())
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries():
    return read_po(LOCALE / "django.po")


def test_every_english_msgid_is_translated_and_reviewed(po_entries):
    untranslated = [e["msgid"] for e in po_entries if not e["msgstrs"] or any(not s for s in e["msgstrs"])]
    fuzzy = [e["msgid"] for e in po_entries if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in po_entries if e["obsolete"]]

    assert len(po_entries) > 500
    assert untranslated == [], f"{len(untranslated)} msgids without English: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy (not compiled, shows Chinese): {fuzzy}"
    assert obsolete == [], "run makemessages with --no-obsolete (docs/i18n.md)"


def test_english_msgstrs_keep_every_placeholder_and_hold_no_chinese(po_entries):
    for entry in po_entries:
        for msgstr in entry["msgstrs"]:
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(entry["msgid"])), entry["msgid"]
            assert not HAN.search(msgstr), (entry["msgid"], msgstr)


def test_the_committed_mo_is_compiled_from_the_po(po_entries):
    with open(LOCALE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in po_entries:
        if entry["msgid_plural"]:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstrs"][0]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstrs"][1]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstrs"][0], "run compilemessages (docs/i18n.md)"


TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.+?)(?P=q)""")


def test_every_translate_tag_in_the_templates_is_in_the_catalogue(po_entries):
    """A {% translate "..." %} added after the last makemessages run would show Chinese on English pages."""
    known = {e["msgid"] for e in po_entries}
    missing = {
        f"{path.relative_to(TEMPLATES)}: {match['msgid']}"
        for path in TEMPLATES.rglob("*.html")
        for match in TRANSLATE_TAG.finditer(path.read_text(encoding="utf-8"))
        if HAN.search(match["msgid"]) and match["msgid"] not in known
    }
    assert not missing, f"re-run makemessages and translate (docs/i18n.md): {sorted(missing)}"


# --- Pages in English -------------------------------------------------------------------------------------

# Chinese that may stay on an English page: the switcher's own name for Chinese and the logo's glyph.
ALLOWED_CHINESE = ("中文", '<span class="logo-mark">美</span>')


def chinese_left(html: str) -> list[str]:
    for allowed in ALLOWED_CHINESE:
        html = html.replace(allowed, "")
    return [html[max(m.start() - 40, 0) : m.end() + 40] for m in HAN.finditer(html)]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def shopper(english):
    user = UserFactory(username="alice2026")
    english.force_login(user)
    return user


def get_english(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert chinese_left(html) == [], f"Chinese left on {url}"
    return html


@pytest.mark.django_db
def test_login_page_in_english(english):
    html = get_english(english, "/login/")

    assert "Password login" in html and "SMS code login" in html and "Remember me" in html
    assert "用户登录" not in html


@pytest.mark.django_db
def test_register_page_in_english(english):
    html = get_english(english, "/register/")

    assert "Create an account" in html and "Get SMS code" in html and "Already have an account?" in html
    assert "用户注册" not in html and "获取短信验证码" not in html


@pytest.mark.django_db
def test_cart_page_in_english(english, shopper):
    sku = SKUFactory(name="Meihao Phone 12", caption="Limited offer")
    response = english.post("/cart/add/", {"sku_id": sku.pk, "count": 2}, follow=True)
    assert response.redirect_chain == [("/cart/", 302)]
    assert "Added to cart" in response.content.decode()

    html = get_english(english, "/cart/")

    assert "My cart" in html and "Select all" in html and "Check out" in html and "Meihao Phone 12" in html
    assert "去结算" not in html and "全选" not in html


@pytest.mark.django_db
def test_my_orders_page_in_english(english, shopper):
    sku = SKUFactory(name="Meihao Phone 12", price=Decimal("1999.00"))
    order = Order.objects.create(
        order_id=f"20260101120000{shopper.pk:06d}0001",
        user=shopper,
        receiver="Alice",
        full_address="8 Wangfujing Street, Beijing",
        mobile="13912345678",
        total_count=1,
        total_amount=sku.price,
        freight=Decimal("10.00"),
        pay_amount=sku.price + Decimal("10.00"),
        pay_method=PayMethod.ALIPAY,
        status=OrderStatus.UNPAID,
    )
    OrderLine.objects.create(order=order, sku=sku, sku_name=sku.name, price=sku.price, count=1)

    html = get_english(english, "/orders/")

    assert "My orders" in html and "All orders" in html and "Awaiting payment" in html and "To be shipped" in html
    assert order.order_id in html and "¥2009.00" in html
    assert "待支付" not in html and "全部订单" not in html


@pytest.mark.django_db
def test_search_page_in_english(english):
    html = get_english(english, "/search/?q=nothing-matches-this")

    assert "Product search" in html and "No matching products" in html
    assert "商品搜索" not in html


@pytest.mark.django_db
def test_without_the_cookie_the_same_pages_stay_chinese(client):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "用户登录" in html and "Password login" not in html


# --- Messages written in JavaScript ---------------------------------------------------------------------

STATIC_JS = Path(settings.BASE_DIR) / "site" / "static" / "js"
JS_COMMENT = re.compile(r"/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", re.S)
JS_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# The house pattern (docs/i18n.md): the template renders the translated text, the Chinese is only the fallback.
JS_FALLBACK = re.compile(r'getAttribute\("data-text-(?P<key>[\w-]+)"\)\s*\|\|\s*"(?P<msgid>[^"]+)"')


def test_every_chinese_string_in_the_scripts_is_a_fallback_the_templates_translate():
    """A Chinese literal in site/static/js must be `el.getAttribute("data-text-KEY") || "中文"`, and some template
    must render data-text-KEY="{% translate "中文" %}": otherwise English pages show it in Chinese."""
    templates = "\n".join(path.read_text(encoding="utf-8") for path in TEMPLATES.rglob("*.html"))
    problems = []
    for path in sorted(STATIC_JS.glob("*.js")):
        code = JS_COMMENT.sub("", path.read_text(encoding="utf-8"))
        fallbacks = {(m["key"], m["msgid"]) for m in JS_FALLBACK.finditer(code)}
        fallback_msgids = {msgid for _key, msgid in fallbacks}
        for literal in JS_STRING.findall(code):
            if HAN.search(literal) and literal not in fallback_msgids:
                problems.append(f"{path.name}: {literal!r} is not a data-text-* fallback")
        for key, msgid in sorted(fallbacks):
            rendered = re.compile(
                "data-text-" + re.escape(key) + r'="\{%\s*translate\s+(["\'])' + re.escape(msgid) + r'\1\s*%\}"'
            )
            if not rendered.search(templates):
                problems.append(f"{path.name}: no template renders data-text-{key}=\"{{% translate '{msgid}' %}}\"")
    assert problems == []


def data_texts(html: str) -> dict[str, str]:
    return {m[1]: unescape(m[2]) for m in re.finditer(r'data-text-([\w-]+)="([^"]*)"', html)}


@pytest.mark.django_db
def test_register_page_gives_its_scripts_english_messages(english):
    texts = data_texts(get_english(english, "/register/"))

    # register.js: the in-browser field checks
    assert texts["username-digits"] == "The username cannot be only digits"
    assert texts["mismatch"] == "The two passwords do not match"
    assert texts["allow"] == "Please agree to the user agreement"
    # sms-countdown.js (templates/account/_sms_fields.html, shared by every SMS form)
    assert texts["sent"] == "SMS code sent to"
    assert texts["captcha"] == "Enter the image code"
    assert texts["network"] == "Network error. Please try again later"
    assert texts["send-failed"] == "Could not send. Please try again later"


@pytest.mark.django_db
def test_cart_and_product_pages_give_cart_js_english_messages(english, shopper):
    sku = SKUFactory(name="Meihao Phone 12", caption="Limited offer")
    english.post("/cart/add/", {"sku_id": sku.pk, "count": 1})

    cart = data_texts(get_english(english, "/cart/"))
    assert cart["pick-first"] == "Please tick the products to delete first"
    assert cart["offline"] == "Connection failed. Please check your network and try again"
    assert cart["expired"] == "This page has expired. Please refresh it and try again"

    detail = english.get(f"/goods/{sku.pk}/").content.decode()
    assert data_texts(detail)["add-failed"] == "Could not add to cart"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_scripts_speak_english_in_the_browser(page, daphne_server):
    """register.js and sms-countdown.js show the template's English, not their Chinese fallbacks."""
    host = daphne_server.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"}])
    page.goto(f"{daphne_server}/register/")

    page.fill("input[name=username]", "123456789")
    page.fill("input[name=password1]", "meihao-pass-1")
    page.fill("input[name=password2]", "meihao-pass-2")
    page.fill("input[name=phone]", "12345")
    page.click("[data-sms-send]")

    assert page.locator("#error-username").inner_text() == "The username cannot be only digits"
    assert page.locator("#error-password2").inner_text() == "The two passwords do not match"
    assert page.locator("#error-phone").inner_text() == "Please enter a valid mobile number"


@pytest.mark.django_db
def test_the_same_script_messages_stay_chinese_without_the_cookie(client):
    texts = data_texts(client.get("/register/").content.decode())

    assert texts["mismatch"] == "两次输入的密码不一致" and texts["sent"] == "短信验证码已发送至"


# --- Messages built in Python -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_address_form_messages_follow_the_active_language():
    """The field messages are built when the module loads; they must still be translated per request."""
    from django.utils import translation

    from commerce.accounts.center_forms import AddressForm

    for language, expected in (("en", "Recipient is required"), ("zh-hans", "请填写收货人")):
        with translation.override(language):
            form = AddressForm(data={"receiver": ""})
            assert not form.is_valid()
            assert form.errors["receiver"] == [expected]


@pytest.mark.django_db
def test_business_errors_speak_english_for_an_english_shopper():
    from django.utils import translation

    from commerce.cart.errors import NotInCart
    from commerce.orders.errors import InsufficientStock, SKUUnavailable

    sku = SKUFactory(name="Meihao Phone 12")
    with translation.override("en"):
        assert InsufficientStock(sku, 3, 1).message == (
            "Not enough stock of \u201cMeihao Phone 12\u201d: you want 3, only 1 left"
        )
        assert SKUUnavailable(sku_id=42).message.startswith("Product #42 is no longer on sale")
        assert NotInCart().message == "This product is not in your cart"
    assert NotInCart().message == "购物车中没有这件商品"
