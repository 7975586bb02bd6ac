"""No dead end from the home page and no number without records behind it (issue 13), on the demo shop itself:
the demo catalog, the demo orders and comments and the demo home page, loaded as `manage.py load_demo` does."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from django.db.models import Sum
from haystack import connections

from cms.demo import ensure_demo_home_page
from cms.models import SearchSettings
from commerce.catalog.demo import load_catalog
from commerce.catalog.models import SKU, GoodsCategory
from commerce.catalog.search_service import rebuild_search_index, search_skus
from commerce.orders.demo import DEMO_SHOPPERS, load_demo_orders
from commerce.orders.models import Comment, OrderLine
from tests.factories import UserFactory

CATEGORY_LINK = re.compile(r"^/list/(\d+)/$")


@pytest.fixture
def demo_shop(db):
    connections["default"].get_backend().clear(models=[SKU])
    load_catalog()
    load_demo_orders()
    ensure_demo_home_page()
    yield
    connections["default"].get_backend().clear(models=[SKU])


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response
    return BeautifulSoup(response.content, "html.parser")


def test_the_demo_shop_has_no_dead_end_and_no_made_up_number(demo_shop, client):
    home = _soup(client.get("/"))

    # Every category link on the home page (top menu, category panel, floors' 更多) opens a list with products.
    links = {a["href"] for a in home.select("a[href]") if CATEGORY_LINK.match(a["href"])}
    assert len(links) >= 50
    for href in sorted(links):
        cards = _soup(client.get(href)).select(".sku-grid .sku-card, .sku-grid li")
        assert cards, f"{href} ({GoodsCategory.objects.get(pk=CATEGORY_LINK.match(href)[1]).name}) is empty"
    # Every third-level category of the demo tree has products, and every floor shows some.
    assert not GoodsCategory.objects.filter(parent__parent__isnull=False, skus__isnull=True).exists()
    floors = home.select("section.floor")
    assert len(floors) == 7 and all(floor.select(".sku-grid li") for floor in floors)

    # Every suggested search (as the editor left them: the defaults, in both languages) finds a product.
    rebuild_search_index()
    settings = SearchSettings.load()
    words = settings.words_for("zh-hans") + settings.words_for("en")
    assert {"耳机", "电视"} <= set(words)
    shown = [a.get_text(strip=True) for a in home.select(".hot-words a")]
    assert shown == settings.words_for("zh-hans")
    for word in words:
        assert search_skus(query=word).skus, f"suggested search {word!r} finds nothing"

    # Sales and review counts come from real orders and comments, and the page and its tab agree.
    for sku in SKU.objects.filter(is_launched=True):
        sold = OrderLine.objects.filter(sku=sku).aggregate(n=Sum("count"))["n"] or 0
        assert (sku.sales, sku.comments) == (sold, Comment.objects.filter(sku=sku).count()), sku.name
    reviewed = SKU.objects.filter(comments__gt=0).order_by("-comments").first()
    assert reviewed is not None and Comment.objects.filter(user__username=DEMO_SHOPPERS[0][0]).exists()
    page = _soup(client.get(reviewed.get_absolute_url()))
    meta = page.select_one(".price-box .meta").get_text(" ", strip=True)
    assert f"累计销量 {reviewed.sales}" in meta and f"累计评价 {reviewed.comments}" in meta
    assert page.select_one("label[for=tab-comments]").get_text(strip=True) == f"商品评价({reviewed.comments})"
    assert "暂无评价" not in page.select_one("#panel-comments").get_text()

    # Loading again changes nothing (make run loads the demo on every start).
    before = list(SKU.objects.order_by("pk").values_list("sales", "comments"))
    assert load_demo_orders() == 0
    assert list(SKU.objects.order_by("pk").values_list("sales", "comments")) == before


@pytest.mark.django_db
def test_an_editor_sets_the_suggested_searches_in_the_wagtail_settings(client, django_capture_on_commit_callbacks):
    assert [a.get_text() for a in _soup(client.get("/search/")).select(".hot-words a")] == [
        "手机",
        "笔记本",
        "耳机",
        "电视",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        settings = SearchSettings.load()
        settings.hot_words = "华为  空调 华为 " + "长" * 30
        settings.save()
    links = _soup(client.get("/search/")).select(".hot-words a")
    assert [a.get_text() for a in links] == ["华为", "空调", "长" * 20]
    assert links[0]["href"] == "/search/?q=%E5%8D%8E%E4%B8%BA"
    english = _soup(client.get("/search/", HTTP_COOKIE="django_language=en")).select(".hot-words a")
    assert [a.get_text() for a in english] == ["iPhone", "MacBook", "Xiaomi", "Huawei"]


@pytest.mark.django_db
def test_the_user_center_links_my_coupons_and_points(client):
    client.force_login(UserFactory())
    menu = _soup(client.get("/center/")).select_one(".center-menu")
    links = {a.get_text(strip=True): a["href"] for a in menu.select("a")}
    assert links["我的优惠券"] == "/orders/coupons/" and links["我的积分"] == "/orders/points/"
    assert "即将上线" not in menu.get_text()
    for href in (links["我的优惠券"], links["我的积分"]):
        assert client.get(href).status_code == 200
