"""Order staff hide shoppers' comments and reply as the shop (SPEC I): a hidden comment leaves the product page
and its counter, the reply shows under the comment there; content editors can do neither."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils

from commerce.catalog.models import SKU
from commerce.orders.comments import comment_order_line
from commerce.orders.models import Comment
from commerce.orders.services import confirm_receipt, ship_order
from tests.commerce.orders.admin_support import messages_of, place_cod_order, sidebar_text

pytestmark = pytest.mark.django_db


def commented(content: str = "质量很好，物流很快") -> Comment:
    order = place_cod_order()
    ship_order(order_id=order.order_id)
    confirm_receipt(order_id=order.order_id, user=order.user)
    line = order.lines.get()
    return comment_order_line(user=order.user, order_id=order.order_id, line_id=line.pk, score=4, content=content)


def product_comments(client, comment: Comment):
    response = client.get(reverse("orders:sku_comments", args=[comment.sku_id]))
    assert response.status_code == 200
    return WagtailTestUtils.get_soup(response.content)


def test_hiding_a_comment_takes_it_off_the_product_page_and_the_counter(clerk, client):  # noqa: F811
    comment = commented()
    assert SKU.objects.get(pk=comment.sku_id).comments == 1
    assert "质量很好" in product_comments(client, comment).get_text()

    response = clerk.post(f"/admin/comments/hide/{comment.pk}/", {"hidden": "1"})
    assert response.status_code == 302 and "评价已隐藏" in messages_of(response)
    clerk.post(f"/admin/comments/hide/{comment.pk}/", {"hidden": "1"})  # twice: the counter moves once

    assert "质量很好" not in product_comments(client, comment).get_text()
    assert SKU.objects.get(pk=comment.sku_id).comments == 0
    page = WagtailTestUtils.get_soup(clerk.get(f"/admin/comments/inspect/{comment.pk}/").content)
    assert page.select_one("[data-hidden]")["data-hidden"] == "1"

    clerk.post(f"/admin/comments/hide/{comment.pk}/", {"hidden": "0"})
    assert "质量很好" in product_comments(client, comment).get_text()
    assert SKU.objects.get(pk=comment.sku_id).comments == 1


def test_the_shops_reply_shows_under_the_comment_on_the_product_page(clerk, client):  # noqa: F811
    comment = commented()

    response = clerk.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "感谢您的支持，欢迎再次光临"})

    assert "回复已保存" in messages_of(response)
    reply = product_comments(client, comment).select_one("[data-comment-reply]")
    assert "感谢您的支持，欢迎再次光临" in reply.get_text() and "商家回复" in reply.get_text()
    comment.refresh_from_db()
    assert comment.replied_by.username == "clerk" and comment.replied_at is not None
    listing = clerk.get("/admin/comments/", {"q": "质量"}).content.decode()
    assert "已回复" in listing

    clerk.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "  "})  # an empty reply removes it
    assert product_comments(client, comment).select_one("[data-comment-reply]") is None


def test_a_reply_is_escaped_and_at_most_200_characters(clerk, client):  # noqa: F811
    comment = commented()
    too_long = clerk.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "好" * 201}, follow=True)
    assert any("不能超过 200" in m for m in messages_of(too_long))
    clerk.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "<script>alert(1)</script>"})
    html = client.get(reverse("orders:sku_comments", args=[comment.sku_id])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_unknown_comments_and_bad_methods_do_not_500(clerk):  # noqa: F811
    assert clerk.post("/admin/comments/hide/999999/", {"hidden": "1"}).status_code == 302
    assert clerk.post("/admin/comments/reply/999999/", {"reply": "x"}).status_code == 302
    assert clerk.get("/admin/comments/inspect/999999/").status_code == 404
    comment = commented()
    assert clerk.get(f"/admin/comments/hide/{comment.pk}/").status_code == 405


def test_content_editors_cannot_see_hide_or_reply(editor, clerk):  # noqa: F811
    comment = commented()
    assert editor.get("/admin/comments/").status_code in (302, 403)
    assert editor.post(f"/admin/comments/hide/{comment.pk}/", {"hidden": "1"}).status_code in (302, 403)
    assert editor.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "x"}).status_code in (302, 403)
    comment.refresh_from_db()
    assert not comment.is_hidden and comment.reply == ""
    assert "/admin/comments/" not in sidebar_text(editor) and "/admin/comments/" in sidebar_text(clerk)


def test_the_reply_is_on_the_product_page_itself(clerk, client):  # noqa: F811
    comment = commented()
    clerk.post(f"/admin/comments/reply/{comment.pk}/", {"reply": "已为您补发赠品"})

    page = client.get(reverse("catalog:sku_detail", args=[comment.sku_id]))

    assert page.status_code == 200
    reply = WagtailTestUtils.get_soup(page.content).select_one("#panel-comments [data-comment-reply]")
    assert "已为您补发赠品" in reply.get_text()
