"""Comments (SPEC E7): per order line, score 1-5, 5-200 characters, anonymous option; only the owner of a
"to comment" order; the order finishes after its last line; shown on the product page with masked names."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from commerce.catalog.models import SKU
from commerce.orders import comments
from commerce.orders.models import Comment, Order, OrderLine, OrderStatus, PayMethod, PointsLedger
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10**6))


def make_order(user, skus, *, status=OrderStatus.TO_REVIEW) -> Order:
    """An order of `user` in `status` with one line per SKU (as placement would have written it)."""
    order = Order.objects.create(
        order_id=f"20260101120000{user.pk:06d}{next(_serial):04d}",
        user=user,
        receiver="李四",
        full_address="北京市 市辖区 东城区 王府井大街 8 号",
        mobile="13912345678",
        total_count=len(skus),
        total_amount=sum((s.price for s in skus), Decimal("0.00")),
        freight=Decimal("10.00"),
        pay_amount=sum((s.price for s in skus), Decimal("10.00")),
        pay_method=PayMethod.CASH,
        status=status,
    )
    for sku in skus:
        OrderLine.objects.create(order=order, sku=sku, sku_name=sku.name, price=sku.price, count=1)
    return order


def line_of(order, sku) -> OrderLine:
    return order.lines.get(sku=sku)


def post_comment(client, order, line, **fields):
    data = {"line_id": line.pk, "score": 5, "content": "质量很好，物流也快", "is_anonymous": False, **fields}
    return client.post(
        f"/orders/{order.order_id}/comment/",
        json.dumps(data),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


@pytest.fixture
def buyer(client):
    user = UserFactory(first_name="三", last_name="张")
    client.force_login(user)
    return user


def assert_nothing_written(order, sku):
    assert not Comment.objects.exists()
    assert not OrderLine.objects.filter(order=order, is_commented=True).exists()
    assert SKU.objects.get(pk=sku.pk).comments == 0
    assert Order.objects.get(pk=order.pk).status == order.status


# --- Writing ------------------------------------------------------------------------------------------------


def test_commenting_every_line_finishes_the_order_and_counts_on_the_skus(client, buyer):
    phone, case = SKUFactory(price=Decimal("1999.00")), SKUFactory(price=Decimal("39.00"))
    order = make_order(buyer, [phone, case])

    response = post_comment(client, order, line_of(order, phone), score=4, content="手机很流畅，拍照清晰")
    assert response.status_code == 200, response.content
    assert response.json()["order_finished"] is False
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_REVIEW
    assert SKU.objects.get(pk=phone.pk).comments == 1

    response = post_comment(client, order, line_of(order, case), is_anonymous=True)
    assert response.json() == {
        "ok": True,
        "message": "评价成功，订单已完成",
        "order_finished": True,
        "comment_id": Comment.objects.get(order_line__sku=case).pk,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert order.finished_at is not None
    assert SKU.objects.get(pk=case.pk).comments == 1
    assert comments.count_spu_comments(spu_id=phone.spu_id) == 1
    # Finishing went through the orders state machine, which awards the points once.
    assert PointsLedger.objects.filter(user=buyer, order=order).count() == 1
    saved = Comment.objects.get(order_line__sku=phone)
    assert (saved.score, saved.content, saved.is_anonymous, saved.user_id) == (
        4,
        "手机很流畅，拍照清晰",
        False,
        buyer.pk,
    )


def test_spu_count_adds_up_its_skus(buyer):
    a = SKUFactory()
    b = SKUFactory(spu=a.spu)
    for sku in (a, b):
        order = make_order(buyer, [sku])
        comments.comment_order_line(
            user=buyer, order_id=order.pk, line_id=line_of(order, sku).pk, score=5, content="非常满意的购物"
        )
    assert comments.count_spu_comments(spu_id=a.spu_id) == 2


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"score": 0}, "invalid_score"),
        ({"score": 6}, "invalid_score"),
        ({"score": -1}, "invalid_score"),
        ({"score": "abc"}, "invalid_score"),
        ({"score": None}, "invalid_score"),
        ({"score": 4.5}, "invalid_score"),
        ({"score": True}, "invalid_score"),
        ({"content": "太好了"}, "invalid_content"),  # 3 characters
        ({"content": "好" * 201}, "invalid_content"),
        ({"content": "   　   "}, "invalid_content"),
        ({"content": None}, "invalid_content"),
        ({"content": ["很好很好很好"]}, "invalid_content"),
        ({"is_anonymous": "maybe"}, "invalid_anonymous"),
        ({"line_id": "abc"}, "order_line_not_found"),
        ({"line_id": 999999}, "order_line_not_found"),
    ],
)
def test_bad_input_gets_a_message_and_writes_nothing(client, buyer, fields, code):
    sku = SKUFactory()
    order = make_order(buyer, [sku])
    response = post_comment(client, order, line_of(order, sku), **fields)
    assert response.status_code in (400, 404)
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert_nothing_written(order, sku)


def test_content_of_exactly_5_and_200_characters_is_accepted(client, buyer):
    a, b = SKUFactory(), SKUFactory()
    order = make_order(buyer, [a, b])
    assert post_comment(client, order, line_of(order, a), content="  五个字正好  ").status_code == 200
    assert post_comment(client, order, line_of(order, b), content="好" * 200).status_code == 200
    assert Comment.objects.get(order_line__sku=a).content == "五个字正好"


def test_someone_elses_order_looks_missing_and_nothing_is_written(client, buyer):
    stranger = UserFactory()
    sku = SKUFactory()
    order = make_order(stranger, [sku])
    response = post_comment(client, order, line_of(order, sku))
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert client.get(f"/orders/{order.order_id}/comment/").status_code == 404
    assert_nothing_written(order, sku)


def test_a_line_of_another_order_is_refused(client, buyer):
    sku = SKUFactory()
    mine, other = make_order(buyer, [sku]), make_order(buyer, [sku])
    response = post_comment(client, mine, line_of(other, sku))
    assert response.status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "status",
    [OrderStatus.UNPAID, OrderStatus.TO_SHIP, OrderStatus.TO_RECEIVE, OrderStatus.FINISHED, OrderStatus.CANCELED],
)
def test_only_orders_to_comment_take_comments(client, buyer, status):
    sku = SKUFactory()
    order = make_order(buyer, [sku], status=status)
    response = post_comment(client, order, line_of(order, sku))
    assert response.status_code == 409
    assert response.json()["code"] == "comment_not_allowed"
    assert "只有待评价的订单可以评价" in response.json()["message"]
    assert_nothing_written(order, sku)


def test_a_line_is_commented_once(client, buyer):
    a, b = SKUFactory(), SKUFactory()
    order = make_order(buyer, [a, b])
    assert post_comment(client, order, line_of(order, a)).status_code == 200
    response = post_comment(client, order, line_of(order, a), content="再评一次试试看")
    assert response.status_code == 409
    assert response.json()["code"] == "already_commented"
    assert Comment.objects.count() == 1
    assert SKU.objects.get(pk=a.pk).comments == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    user = UserFactory()
    sku = SKUFactory()
    order = make_order(user, [sku])
    response = client.post(
        f"/orders/{order.order_id}/comment/", {"line_id": line_of(order, sku).pk, "score": 5, "content": "很好很好很好"}
    )
    assert response.status_code == 302
    assert "/login" in response["Location"]
    assert not Comment.objects.exists()


def test_comment_page_and_plain_form_post(client, buyer):
    a, b = SKUFactory(name="蓝牙耳机"), SKUFactory(name="充电器")
    order = make_order(buyer, [a, b])
    page = client.get(f"/orders/{order.order_id}/comment/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "蓝牙耳机" in html and "充电器" in html
    assert html.count('name="content"') == 2

    response = client.post(
        f"/orders/{order.order_id}/comment/",
        {"line_id": line_of(order, a).pk, "score": "3", "content": "音质还可以，续航一般", "is_anonymous": "1"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "评价成功" in page
    assert page.count('name="content"') == 1
    assert Comment.objects.get().is_anonymous is True

    response = client.post(
        f"/orders/{order.order_id}/comment/", {"line_id": line_of(order, b).pk, "score": "9", "content": "好"}
    )
    assert response.status_code == 302
    assert "请为商品打 1-5 分" in client.get(response["Location"]).content.decode()


# --- Reading ------------------------------------------------------------------------------------------------


def test_mask_name():
    assert comments.mask_name("张三") == "张***"
    assert comments.mask_name("zhangsan") == "z***"
    assert comments.mask_name("") == "匿名用户"


def test_product_page_shows_comments_with_anonymous_names_masked(client, buyer):
    sku = SKUFactory()
    named = UserFactory(username="wangwu", first_name="五", last_name="王")
    hidden_order, named_order = make_order(buyer, [sku]), make_order(named, [sku])
    comments.comment_order_line(
        user=buyer,
        order_id=hidden_order.pk,
        line_id=line_of(hidden_order, sku).pk,
        score=5,
        content="<script>alert(1)</script>很好",
        is_anonymous=True,
    )
    comments.comment_order_line(
        user=named, order_id=named_order.pk, line_id=line_of(named_order, sku).pk, score=3, content="一般般吧，还行"
    )
    html = client.get(f"/goods/{sku.pk}/").content.decode()
    assert "张***" in html
    assert "张三" not in html
    assert "王五" in html
    assert "一般般吧，还行" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;很好" in html
    assert "暂无评价" not in html
    assert "商品评价(2)" in html


def test_product_page_without_comments_says_so(client):
    sku = SKUFactory()
    html = client.get(f"/goods/{sku.pk}/").content.decode()
    assert "暂无评价" in html


@pytest.mark.parametrize("page", ["2", "abc", "-1", "99999", "9" * 50])
def test_comment_fragment_pages_never_fail(client, buyer, page):
    sku = SKUFactory()
    for _ in range(12):
        order = make_order(buyer, [sku])
        comments.comment_order_line(
            user=buyer, order_id=order.pk, line_id=line_of(order, sku).pk, score=5, content="很满意的一次购物"
        )
    response = client.get(f"/goods/{sku.pk}/comments/", {"page": page})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-comment>") in (10, 2)
    assert "第 " in html


def test_comment_fragment_of_unknown_sku_is_empty(client):
    response = client.get("/goods/987654/comments/")
    assert response.status_code == 200
    assert "暂无评价" in response.content.decode()
