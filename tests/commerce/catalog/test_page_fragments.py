"""Pieces of the dynamic pages kept per process (issue 14): the header around its per-request parts, the list
page's grid of cards and the best sellers' sidebar. What belongs to one request or one shopper is never shared,
and an edit shows on the next request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from commerce.catalog.models import SKU
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def soup(client, path: str, **headers) -> BeautifulSoup:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def phone():
    return SKUFactory(name="小米 14", price=Decimal("3999.00"), sales=50)


def test_the_header_keeps_each_requests_query_token_and_address(client, phone):
    list_path = f"/list/{phone.category_id}/"
    first = soup(client, f"{list_path}?q=<b>")
    second = soup(client, f"{list_path}?sort=price&q=tv")

    assert first.select_one("form.search input[name=q]")["value"] == "<b>"
    assert second.select_one("form.search input[name=q]")["value"] == "tv"
    assert second.select_one(".lang-switch input[name=next]")["value"] == f"{list_path}?sort=price&q=tv"
    token = second.select_one(".lang-switch input[name=csrfmiddlewaretoken]")["value"]
    assert token and token != first.select_one(".lang-switch input[name=csrfmiddlewaretoken]")["value"]


def test_each_shopper_sees_their_own_name_and_a_visitor_the_login_links(client, phone):
    path = f"/list/{phone.category_id}/"
    assert soup(client, path).select_one("[data-user-bar]")["data-authenticated"] == "0"
    for name in ("alice", "bob"):
        client.force_login(UserFactory(username=name))
        bar = soup(client, path).select_one("[data-user-bar]")
        assert bar["data-authenticated"] == "1"
        assert bar.select_one("[data-user-name]").get_text() == name
        assert not bar.select("[data-anonymous-only]")
        assert bar.select_one("form.inline-form input[name=csrfmiddlewaretoken]")
    client.logout()
    bar = soup(client, path).select_one("[data-user-bar]")
    assert bar["data-authenticated"] == "0" and len(bar.select("[data-anonymous-only]")) == 2


def test_the_header_follows_the_language(client, phone):
    path = f"/list/{phone.category_id}/"
    chinese = soup(client, path)
    english = soup(client, path, HTTP_COOKIE="django_language=en")

    assert chinese.select_one(".lang-switch .current")["value"] == "zh-hans"
    assert english.select_one(".lang-switch .current")["value"] == "en"
    assert chinese.select_one(".hot-skus h3").get_text() != english.select_one(".hot-skus h3").get_text()
    assert chinese.select_one("form.search button").get_text() != english.select_one("form.search button").get_text()


def test_a_renamed_sku_shows_in_the_grid_and_the_sidebar_on_the_next_request(
    client, phone, django_capture_on_commit_callbacks
):
    path = f"/list/{phone.category_id}/"
    page = soup(client, path)
    assert page.select_one(".sku-grid .sku-card-name").get_text() == "小米 14"
    assert page.select_one(".hot-skus .hot-name").get_text() == "小米 14"

    with django_capture_on_commit_callbacks(execute=True):
        sku = SKU.objects.get(pk=phone.pk)
        sku.name = "小米 14 Pro"
        sku.save()

    page = soup(client, path)
    assert page.select_one(".sku-grid .sku-card-name").get_text() == "小米 14 Pro"
    assert page.select_one(".hot-skus .hot-name").get_text() == "小米 14 Pro"
    product = soup(client, f"/goods/{phone.pk}/?dynamic=1")
    assert product.select_one(".hot-skus .hot-name").get_text() == "小米 14 Pro"


def test_a_new_sku_joins_the_grid_on_the_next_request(client, phone):
    path = f"/list/{phone.category_id}/"
    assert len(soup(client, path).select(".sku-grid .sku-card")) == 1

    SKUFactory(name="小米 14 Ultra", spu=phone.spu, category=phone.category)

    names = {card.get_text() for card in soup(client, path).select(".sku-grid .sku-card-name")}
    assert names == {"小米 14", "小米 14 Ultra"}


def test_the_product_pages_breadcrumb_follows_category_and_sku_renames(
    client, phone, django_capture_on_commit_callbacks
):
    path = f"/goods/{phone.pk}/?dynamic=1"
    crumbs = soup(client, path).select_one(".breadcrumb").get_text(" ", strip=True)
    assert phone.category.name in crumbs and "小米 14" in crumbs

    with django_capture_on_commit_callbacks(execute=True):
        category = phone.category
        category.name = "智能手机"
        category.save()
    crumbs = soup(client, path).select_one(".breadcrumb").get_text(" ", strip=True)
    assert "智能手机" in crumbs

    with django_capture_on_commit_callbacks(execute=True):
        sku = SKU.objects.get(pk=phone.pk)
        sku.name = "小米 14 Pro"
        sku.save()
    crumbs = soup(client, path).select_one(".breadcrumb").get_text(" ", strip=True)
    assert "小米 14 Pro" in crumbs and "智能手机" in crumbs
