"""The product and list pages a logged-out visitor gets are kept per process (commerce.page_memo, issue 14):
drawn once, then served with this request's CSRF token; any change to what they show (stock, price, a reply
under a comment, the menu, a new SKU, the order) is on the next view; a logged-in shopper's page is never kept
nor served to anyone else."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commerce.catalog.models import SKU
from commerce.catalog.selectors import forget_category_menu
from commerce.orders.comments import reply_to_comment
from tests.commerce.orders.test_admin_comments import commented
from tests.factories import SKUFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_page_memo")]


def page(client: Client, sku_id: int, query: str = "?dynamic=1"):
    response = client.get(f"/goods/{sku_id}/{query}")
    assert response.status_code == 200
    return response


def csrf_tokens(response) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


def test_a_logged_out_visitor_gets_the_kept_page_with_a_token_of_their_own():
    sku = SKUFactory(name="保温杯")
    first, second = page(Client(), sku.pk), page(Client(), sku.pk)

    assert [t.name for t in first.templates][:1] == ["catalog/sku_detail.html"]
    assert second.templates == []  # served from the memo: no template drawn
    assert first.content.decode().count("保温杯") == second.content.decode().count("保温杯") > 0
    assert csrf_tokens(first) and csrf_tokens(second) and set(csrf_tokens(first)).isdisjoint(csrf_tokens(second))
    assert "mhhole" not in second.content.decode()
    assert second.cookies["csrftoken"].value  # the token's cookie is set, as for a drawn page


def test_the_token_of_a_kept_page_lets_the_visitor_add_to_the_cart():
    sku = SKUFactory(stock=5)
    page(Client(), sku.pk)  # kept by another visitor's view
    visitor = Client(enforce_csrf_checks=True)
    token = csrf_tokens(page(visitor, sku.pk))[0]

    response = visitor.post("/cart/add/", {"sku_id": sku.pk, "count": 1, "csrfmiddlewaretoken": token})

    assert response.status_code in (200, 302)


def test_stock_and_price_changed_without_save_show_on_the_next_view():
    sku = SKUFactory(stock=7, price=Decimal("99.00"))
    assert f'data-live-stock data-sku-id="{sku.pk}">7<' in page(Client(), sku.pk).content.decode()

    SKU.objects.filter(pk=sku.pk).update(stock=3, price="88.00")  # as an order does: no updated_at

    html = page(Client(), sku.pk).content.decode()
    assert f'data-live-stock data-sku-id="{sku.pk}">3<' in html and "88.00" in html


def test_a_reply_under_a_comment_shows_on_the_next_view(django_capture_on_commit_callbacks):
    comment = commented("质量很好，物流很快")
    assert "商家回复" not in page(Client(), comment.sku_id).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        reply_to_comment(comment_id=comment.pk, text="感谢您的支持", actor=None)

    assert "感谢您的支持" in page(Client(), comment.sku_id).content.decode()


def test_a_renamed_category_shows_in_the_menu_on_the_next_view():
    sku = SKUFactory()
    page(Client(), sku.pk)
    category = sku.category
    category.name = "新名字分类"
    category.save()
    forget_category_menu()  # what the category signals do after an edit

    assert page(Client(), sku.pk).templates  # drawn again under the menu's new version


def test_a_logged_in_shoppers_page_is_neither_kept_nor_served_to_others(client):
    sku = SKUFactory()
    shopper = UserFactory(username="zhangsan")
    client.force_login(shopper)

    assert "zhangsan" in page(client, sku.pk).content.decode()
    assert page(client, sku.pk).templates  # drawn for every view of a logged-in shopper
    anonymous = page(Client(), sku.pk).content.decode()
    assert "zhangsan" not in anonymous


def test_the_query_string_is_part_of_the_key():
    sku = SKUFactory()
    page(Client(), sku.pk, "?a=1")

    other = page(Client(), sku.pk, "?a=2")

    assert other.templates and f'value="/goods/{sku.pk}/?a=2"' in other.content.decode()


def list_page(client: Client, category_id: int, query: str = ""):
    response = client.get(f"/list/{category_id}/{query}")
    assert response.status_code == 200
    return response


def test_a_second_visitor_gets_the_kept_list_page_without_loading_a_card():
    sku = SKUFactory(name="列表保温杯")
    first = list_page(Client(), sku.category_id)

    with CaptureQueriesContext(connection) as queries:
        second = list_page(Client(), sku.category_id)

    assert first.templates and second.templates == []
    assert "列表保温杯" in second.content.decode()
    assert len(queries) == 3  # the category, the count, the page's (id, updated_at, image) rows


def test_a_new_sku_and_a_new_price_show_on_the_next_list_view():
    sku = SKUFactory(price=Decimal("99.00"))
    list_page(Client(), sku.category_id)

    SKUFactory(spu=sku.spu, name="新上架的杯子")
    sku.price = Decimal("77.00")
    sku.save()

    html = list_page(Client(), sku.category_id).content.decode()
    assert "新上架的杯子" in html and "77.00" in html and "共 2 件商品" in html


def test_each_sort_and_page_is_kept_apart():
    skus = [SKUFactory(price=Decimal(price)) for price in ("30.00", "10.00", "20.00")]
    SKU.objects.filter(pk__in=[s.pk for s in skus]).update(category=skus[0].category, spu=skus[0].spu)
    category_id = skus[0].category_id
    list_page(Client(), category_id)

    by_price = list_page(Client(), category_id, "?sort=price").content.decode().split('class="sku-grid"')[1]

    assert by_price.index("10.00") < by_price.index("20.00") < by_price.index("30.00")
