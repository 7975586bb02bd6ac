"""Both admin languages are whole (SPEC I, issue 15): an admin walks EVERY admin menu page (read from Wagtail's
own menu registry, submenus included), every registered viewset's listing, create and edit form (and detail page)
and the reports, once in Chinese and once in English, and no page shows the other language's script.

What counts as "the other language" (visible text: text nodes, and the placeholder/title/aria-label/alt
attributes; scripts, styles and the language names of the language picker are not text the reader meets):
- English admin: no Han character and no full-width punctuation (，。：；！？（）).
- Chinese admin: none of Wagtail's English UI words and phrases below (the strings Wagtail's zh_Hans catalogue
  lacks or our mixed verbose names produced, e.g. "New: 商品SKU", "Schedule to publish", "Add 商品分类"). Latin
  letters as such are allowed there: SKU, SPU, CSV, EMS and usernames are the shop's own words.

The test data's own text is neutral on purpose (digits and latin brand-like names), so only the UI's strings
are judged; `test_the_check_fails_on_the_other_language` proves the check can fail.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets as viewset_registry
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from commerce.catalog.models import GoodsCategory
from commerce.orders.models import Comment, Order, OrderLine, OrderStatus, PayMethod
from tests.factories import CouponFactory, SKUFactory, UserFactory, ensure_wagtail_tree

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FULL_WIDTH = re.compile(r"[，。：；！？（）]")
#: Wagtail's English UI words and phrases (whole words, case-sensitive) that must not be left in the Chinese admin.
ENGLISH_UI = [
    "New:",
    "Add",
    "Edit",
    "Delete",
    "Save",
    "Publish",
    "Unpublish",
    "Schedule to publish",
    "Save draft",
    "Cancel",
    "Search",
    "Filter",
    "Filters",
    "Sort by",
    "Actions",
    "More actions",
    "Choose",
    "Choose a",
    "Inspect",
    "History",
    "Usage",
    "Copy",
    "Dashboard",
    "Settings",
    "Reports",
    "Help",
    "Status",
    "Updated",
    "Created",
    "Live",
    "Draft",
    "Title",
    "Name",
    "Yes",
    "No",
    "All",
    "Any",
    "Clear",
    "Apply",
    "Select",
    "Export",
    "Download",
    "Upload",
    "Preview",
    "Page",
    "Pages",
    "Images",
    "Documents",
    "Snippets",
    "Users",
    "Groups",
    "Sites",
    "Account",
    "Log out",
    "There are no",
    "No results",
    "Results",
    "items",
    "of",
    "Next",
    "Previous",
    "Show",
    "Hide",
    "View",
    "Privacy",
    "Locked",
    "Unlocked",
    "Required",
    "This field is required",
]
ENGLISH_UI_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(w) for w in ENGLISH_UI) + r")(?![A-Za-z])")
TEXT_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
#: Names a language picker shows in their own language; never a translation gap.
LANGUAGE_NAMES = {"简体中文", "English", "中文（简体）", "简体中文 (zh-hans)", "English (en)"}


def visible_texts(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "template", "noscript"]):
        tag.decompose()
    for option in soup.select("select[name$=time_zone] option"):  # IANA names such as Europe/Isle_of_Man
        option.decompose()
    texts = [text.strip() for text in soup.find_all(string=True)]
    for tag in soup.find_all(True):
        texts.extend(str(tag.get(name, "")).strip() for name in TEXT_ATTRIBUTES)
    for name in LANGUAGE_NAMES:  # "Use server language: 简体中文" names the language in its own script
        texts = [text.replace(name, "") for text in texts]
    return [text for text in texts if text.strip()]


def foreign_strings(html: str, language: str) -> list[str]:
    """The strings of `html` that belong to the other language (see the module's docstring)."""
    found = []
    for text in visible_texts(html):
        if language == "en":
            if HAN.search(text) or FULL_WIDTH.search(text):
                found.append(text)
        elif ENGLISH_UI_RE.search(text):
            found.append(text)
    return found


def set_language(client: Client, user, language: str) -> None:
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()


def neutral_data():
    """One object for each admin listing and form, with texts in neither language."""
    ensure_wagtail_tree()
    sku = SKUFactory(name="X100 16GB", caption="X100", spu__name="X100")
    sku.spu.brand.name = "Meihao"
    sku.spu.brand.save()
    buyer = UserFactory(username="buyer1", mobile="13900000001")
    order = Order.objects.create(
        order_id="20251111000000000000000000001",
        user=buyer,
        receiver="Li Si",
        full_address="1 Chang'an Avenue",
        mobile="13900000001",
        total_count=1,
        total_amount=Decimal("10.00"),
        pay_amount=Decimal("10.00"),
        pay_method=PayMethod.ALIPAY,
        status=OrderStatus.TO_SHIP,
    )
    line = OrderLine.objects.create(order=order, sku=sku, sku_name="X100 16GB", price=Decimal("10.00"), count=1)
    Comment.objects.create(order_line=line, user=buyer, sku=sku, content="5/5 ok", score=5)
    now = timezone.now()
    CouponFactory(name="C-10", valid_from=now, valid_until=now + timedelta(days=3))
    for category in GoodsCategory.objects.all():
        GoodsCategory.objects.filter(pk=category.pk).update(name=f"Cat-{category.pk}")
    Site.objects.update(site_name="Meihao Mall")
    for page in Page.objects.filter(depth__gte=2):
        Page.objects.filter(pk=page.pk).update(title=f"Meihao-{page.pk}", draft_title=f"Meihao-{page.pk}")
    return sku


def viewset_urls() -> list[str]:
    """Listing, create, edit and detail pages of every registered model viewset that has them."""
    urls = []
    for viewset in viewset_registry.viewsets:
        if not isinstance(viewset, ModelViewSet):
            continue
        obj = viewset.model._default_manager.order_by("pk").first()
        for action, args in (
            ("index", []),
            ("add", []),
            ("edit", [quote(obj.pk)] if obj else None),
            ("inspect", [quote(obj.pk)] if obj else None),
        ):
            if args is None:
                continue
            try:
                urls.append(reverse(viewset.get_url_name(action), args=args))
            except NoReverseMatch:
                continue
    return urls


def menu_urls(client: Client) -> list[str]:
    """Every item of the admin menu (and its submenus) this client's user sees, as the sidebar lists them.

    Read from the page the browser gets (the sidebar's JSON props), not by calling Wagtail's menu with a bare
    RequestFactory request: that left Wagtail's menus wrong for the tests after this one."""
    soup = BeautifulSoup(client.get("/admin/").content, "html.parser")
    props = json.loads(soup.select_one("#wagtail-sidebar-props").string)
    urls = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "url" and isinstance(value, str) and value.startswith("/admin/"):
                    urls.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return urls


@pytest.fixture
def admin_walk():
    sku = neutral_data()
    admin = UserFactory(username="walker", is_superuser=True, is_staff=True, first_name="", last_name="")
    client = Client(raise_request_exception=True)
    client.force_login(admin)
    home = Page.objects.filter(depth=2).first()
    extra = [
        "/admin/",
        "/admin/account/",
        f"/admin/pages/{home.pk}/",
        f"/admin/pages/{home.pk}/edit/",
        f"/admin/pages/{home.pk}/add_subpage/",
        "/admin/pages/search/?q=x",
        f"/admin/snippets/choose/catalog/sku/?q={sku.pk}",
    ]
    urls = list(dict.fromkeys([*menu_urls(client), *viewset_urls(), *extra]))
    return client, admin, urls


def walk(client: Client, urls: list[str], language: str) -> dict[str, list[str]]:
    problems = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        found = foreign_strings(response.content.decode(), language)
        if found:
            problems[url] = sorted(set(found))
    return problems


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_admin_page_is_in_one_language(admin_walk, language):
    client, admin, urls = admin_walk
    set_language(client, admin, language)
    assert len(urls) > 40  # the menu, the viewsets' forms and the reports: a walk, not a sample
    problems = walk(client, urls, language)
    assert problems == {}


def test_the_check_fails_on_the_other_language(admin_walk):
    """The same pages judged against the wrong language are full of findings: the check can fail."""
    client, admin, urls = admin_walk
    set_language(client, admin, "en")
    assert len(walk(client, urls[:5], "zh-hans")) == 5
    set_language(client, admin, "zh-hans")
    assert len(walk(client, urls[:5], "en")) == 5
    assert foreign_strings("<p>New: 商品SKU</p>", "zh-hans") == ["New: 商品SKU"]
    assert foreign_strings("<p title='Add 商品分类'>x</p>", "en") == ["Add 商品分类"]
    assert foreign_strings("<p>Saved（1）</p>", "en") == ["Saved（1）"]
    assert foreign_strings("<p>SKU 100 件</p>", "zh-hans") == []


def test_the_demo_admin_switches_language_without_filling_names(admin_walk):
    """The account page is one form of all panels: with Wagtail's required 名/姓 an admin without a name could not
    save a language. The form as the browser sends it, names left empty."""
    client, admin, _urls = admin_walk
    html = client.get("/admin/account/").content.decode()
    data = querydict_from_html(html, form_id="w-editor-form").copy()
    assert data.get("name_email-first_name", "") == "" and data.get("name_email-last_name", "") == ""
    data["locale-preferred_language"] = "en"
    response = client.post("/admin/account/", data)
    assert response.status_code == 302
    assert UserProfile.get_for_user(admin).preferred_language == "en"
    assert "Account" in client.get("/admin/account/").content.decode()


def test_collection_permission_labels_follow_the_request_language_whatever_was_active_at_import(admin_walk):
    """Wagtail translates the image/document/collection permission labels once, at import, in whatever language
    is active then; cms.admin_i18n puts its English source back and the templates translate per request."""
    from django.contrib.auth.models import Group
    from wagtail.images.forms import GroupImagePermissionFormSet

    client, admin, _urls = admin_walk
    assert ("choose_image", "Choose", "Select images in choosers") in GroupImagePermissionFormSet.permission_types
    group = Group.objects.create(name="editors-x")
    url = reverse("wagtailusers_groups:edit", args=[group.pk])
    set_language(client, admin, "en")
    assert "Select images in choosers" in client.get(url).content.decode()
    set_language(client, admin, "zh-hans")
    page = client.get(url).content.decode()
    assert "Select images in choosers" not in page and "在选择器中选择图片" in page
