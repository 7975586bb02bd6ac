"""Shopper-facing catalog pages (SPEC B4, B5, J): the spec switcher, list sorting and paging, cached hot
sellers, visit counts, 404 pages for unknown or unlaunched things and the English switch."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from commerce.catalog import selectors, services
from commerce.catalog.models import GoodsVisitCount
from commerce.catalog.templatetags.shop import yuan
from tests.factories import CategoryFactory, SKUFactory, SPUFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db


def option_links(html: str) -> dict[str, str]:
    """{option value: href} for the linked options of the spec switcher."""
    return dict(
        (value, href) for href, value in re.findall(r'<a class="spec-option" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    )


def disabled_options(html: str) -> list[str]:
    return re.findall(r'<span class="spec-option disabled"[^>]*>([^<]+)</span>', html)


def active_options(html: str) -> list[str]:
    return re.findall(r'<span class="spec-option active"[^>]*>([^<]+)</span>', html)


# --- SKU detail ----------------------------------------------------------------------------------------


def test_spec_switcher_links_each_option_to_the_sku_with_that_one_spec_changed_and_disables_missing_ones(client):
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["64G", "128G"]}, missing={("白", "128G")})

    html = client.get(f"/goods/{skus[('黑', '128G')].pk}/").content.decode()

    assert active_options(html) == ["黑", "128G"]
    assert option_links(html) == {"64G": f"/goods/{skus[('黑', '64G')].pk}/"}
    assert disabled_options(html) == ["白"]  # 白 + 128G does not exist


def test_spec_switcher_from_the_other_side_links_both_specs(client):
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["64G", "128G"]}, missing={("白", "128G")})

    html = client.get(f"/goods/{skus[('白', '64G')].pk}/").content.decode()

    assert active_options(html) == ["白", "64G"]
    assert option_links(html) == {"黑": f"/goods/{skus[('黑', '64G')].pk}/"}
    assert disabled_options(html) == ["128G"]


def test_an_unlaunched_sibling_is_shown_disabled_not_linked():
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["64G"]})
    skus[("白", "64G")].is_launched = False
    skus[("白", "64G")].save()

    switcher = selectors.get_spec_switcher(skus[("黑", "64G")])

    colour = {option.value: option for option in switcher[0].options}
    assert colour["黑"].active and colour["黑"].sku_id == skus[("黑", "64G")].pk
    assert not colour["白"].available and colour["白"].url == ""


def test_spec_switcher_costs_one_query_whatever_the_number_of_skus(django_assert_num_queries):
    _, skus = make_spu_with_specs(
        {"颜色": ["黑", "白", "蓝"], "内存": ["64G", "128G", "256G"], "版本": ["标准", "Pro"]}
    )
    sku = skus[("蓝", "256G", "Pro")]

    with django_assert_num_queries(1):
        switcher = selectors.get_spec_switcher(sku)

    assert [spec.name for spec in switcher] == ["颜色", "内存", "版本"]
    assert sum(option.available for spec in switcher for option in spec.options) == 8


def test_detail_page_shows_price_breadcrumb_tabs_live_stock_and_cart_button(client):
    sku = SKUFactory(price=Decimal("1999"), market_price=Decimal("2299.5"), stock=7)
    spu = sku.spu

    response = client.get(f"/goods/{sku.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "¥1999.00" in html and "¥2299.50" in html
    assert f'<span class="stock" data-live-stock data-sku-id="{sku.pk}">7</span>' in html
    assert "js/live-stock.js" in html
    assert f'data-sku-id="{sku.pk}"' in html and "加入购物车" in html
    assert "商品详情" in html and "包装清单" in html and "售后服务" in html and "暂无评价" in html
    crumbs = [c.name for c in response.context["breadcrumb"]]
    assert crumbs == [spu.category1.name, spu.category2.name, spu.category3.name]
    for category in (spu.category1, spu.category2, spu.category3):
        assert f'href="/list/{category.pk}/"' in html


@pytest.mark.parametrize("path", ["/goods/999999/", "/list/999999/"])
def test_unknown_sku_or_category_answers_with_the_404_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


def test_unlaunched_sku_answers_with_the_404_page(client):
    sku = SKUFactory(is_launched=False)

    response = client.get(f"/goods/{sku.pk}/")

    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


def test_each_detail_visit_counts_once_for_its_category_today_in_beijing(client):
    sku = SKUFactory()
    other = SKUFactory(spu=sku.spu)

    client.get(f"/goods/{sku.pk}/")
    client.get(f"/goods/{other.pk}/")
    client.get("/goods/999999/")
    services.flush_visits()  # the scheduler's job, every minute

    row = GoodsVisitCount.objects.get(category=sku.category)
    assert row.count == 2
    assert row.date == timezone.localdate()  # Asia/Shanghai (settings.TIME_ZONE)


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_visits_of_the_day_are_all_counted():
    category = SKUFactory().category
    day = timezone.localdate()
    barrier = threading.Barrier(6)
    errors = []

    def visit():
        try:
            barrier.wait()
            for _ in range(3):
                services.record_category_visit(category_id=category.pk, day=day)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=visit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert services.flush_visits() == 18
    assert GoodsVisitCount.objects.get(category=category, date=day).count == 18


# --- Category list -------------------------------------------------------------------------------------


@pytest.fixture
def category_with_skus():
    spu = SPUFactory()
    skus = [
        SKUFactory(spu=spu, name="中价低销", price=Decimal("200"), sales=5),
        SKUFactory(spu=spu, name="低价高销", price=Decimal("100"), sales=50),
        SKUFactory(spu=spu, name="高价中销", price=Decimal("300"), sales=20),
    ]
    SKUFactory(spu=spu, name="已下架", price=Decimal("1"), sales=999, is_launched=False)
    return spu.category3, skus


def names(response) -> list[str]:
    return [sku.name for sku in response.context["skus"]]


def test_list_sorts_by_price_ascending_and_by_sales_descending_and_hides_unlaunched(client, category_with_skus):
    category, _ = category_with_skus

    assert names(client.get(f"/list/{category.pk}/?sort=price")) == ["低价高销", "中价低销", "高价中销"]
    assert names(client.get(f"/list/{category.pk}/?sort=hot")) == ["低价高销", "高价中销", "中价低销"]
    assert names(client.get(f"/list/{category.pk}/")) == ["高价中销", "低价高销", "中价低销"]  # newest first


def test_list_of_a_first_level_category_shows_the_skus_below_it_with_a_breadcrumb(client, category_with_skus):
    category, _ = category_with_skus
    top = category.parent.parent

    response = client.get(f"/list/{top.pk}/?sort=price")

    assert names(response) == ["低价高销", "中价低销", "高价中销"]
    assert [c.pk for c in response.context["breadcrumb"]] == [top.pk]


def test_list_paginates_by_the_configured_page_size(client, settings, category_with_skus):
    settings.SHOP_LIST_PAGE_SIZE = 2
    category, _ = category_with_skus

    first = client.get(f"/list/{category.pk}/?sort=price")
    second = client.get(f"/list/{category.pk}/?sort=price&page=2")

    assert names(first) == ["低价高销", "中价低销"] and names(second) == ["高价中销"]
    assert 'href="?sort=price&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize(
    ("query", "page", "sort"),
    [
        ("page=abc", 1, "default"),
        ("page=-1", 1, "default"),
        ("page=99999", 2, "default"),
        ("page=", 1, "default"),
        ("sort=evil", 1, "default"),
        ("sort=price&page=1.5", 1, "price"),
        ("sort=%00&page=%00", 1, "default"),
    ],
)
def test_garbage_page_or_sort_falls_back_to_a_sane_page(client, settings, category_with_skus, query, page, sort):
    settings.SHOP_LIST_PAGE_SIZE = 2
    category, _ = category_with_skus

    response = client.get(f"/list/{category.pk}/?{query}")

    assert response.status_code == 200
    assert response.context["page_obj"].number == page
    assert response.context["sort"] == sort


def test_empty_category_lists_nothing_without_error(client):
    category = CategoryFactory()

    response = client.get(f"/list/{category.pk}/?page=3")

    assert response.status_code == 200
    assert "该分类下暂无商品" in response.content.decode()


def test_hot_sellers_are_ranked_by_sales_and_served_from_the_cache_the_second_time(
    category_with_skus, django_assert_num_queries
):
    category, _ = category_with_skus

    first = selectors.list_hot_skus(category.pk)
    assert [item["name"] for item in first] == ["低价高销", "高价中销", "中价低销"]
    assert cache.get(selectors.HOT_SKUS_KEY.format(category_id=category.pk)) == first

    with django_assert_num_queries(0):
        second = selectors.list_hot_skus(category.pk)
    assert second == first


def test_list_page_shows_cached_hot_sellers_even_after_sales_change(client, category_with_skus):
    category, skus = category_with_skus
    client.get(f"/list/{category.pk}/")
    skus[0].sales = 10_000
    skus[0].save()

    response = client.get(f"/list/{category.pk}/")

    assert [item["name"] for item in response.context["hot_skus"]][0] == "低价高销"  # cached ranking


# --- Layout, money and language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("1999"), "¥1999.00"), (Decimal("0.5"), "¥0.50"), ("12.345", "¥12.35"), (None, ""), ("abc", "")],
)
def test_yuan_shows_two_decimals(value, shown):
    assert yuan(value) == shown


def test_layout_has_search_mini_cart_category_menu_and_language_switcher(client, category_with_skus):
    from tests.factories import ChannelFactory

    category, _ = category_with_skus
    top = category.parent.parent
    ChannelFactory(category=top)

    html = client.get(f"/list/{category.pk}/").content.decode()

    assert 'action="/search/"' in html
    assert '<span class="cart-count" data-cart-count>0</span>' in html
    assert f'href="/list/{top.pk}/"' in html and f'href="/list/{category.pk}/"' in html  # menu: channel and cat3
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html
    assert "美好商城" in html


def test_switching_to_english_shows_english_strings(client):
    sku = SKUFactory()

    client.post("/i18n/setlang/", {"language": "en", "next": f"/goods/{sku.pk}/"})
    english = client.get(f"/goods/{sku.pk}/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get(f"/goods/{sku.pk}/").content.decode()

    assert "Add to cart" in english and "加入购物车" not in english
    assert "No reviews yet" in english and '<html lang="en">' in english
    assert "加入购物车" in chinese and '<html lang="zh-hans">' in chinese
