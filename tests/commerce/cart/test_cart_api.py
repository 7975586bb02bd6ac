"""Cart operations over HTTP (SPEC D3) for anonymous shoppers (cookie) and logged-in users (Redis).

Every bad input answers with a clear Chinese message and a 4xx, and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.cart.storage import CartItem, RedisCart, decode_cookie
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["anonymous", "logged_in"])
def shopper(request, client, api):
    """The api client as an anonymous shopper or a logged-in user, and a way to read the stored cart."""
    user = None
    if request.param == "logged_in":
        user = UserFactory()
        client.force_login(user)

    def stored() -> dict[int, CartItem]:
        if user is not None:
            return RedisCart(user.pk).items()
        morsel = client.cookies.get("cart")
        return decode_cookie(morsel.value)[0] if morsel is not None and morsel.value else {}

    api.user, api.stored = user, stored
    return api


def add(shopper, sku, count=1):
    response = shopper.post("/cart/add/", {"sku_id": sku.pk, "count": count})
    assert response.status_code == 200, response.content
    return response.json()


# --- Bad input: a message, a 4xx, nothing written ----------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "code", "text"),
    [
        (0, "invalid_count", "至少为 1 件"),
        (-1, "invalid_count", "至少为 1 件"),
        ("-1", "invalid_count", "至少为 1 件"),
        (10**9, "count_over_limit", "最多购买 99 件"),
        (str(10**9), "count_over_limit", "最多购买 99 件"),
        ("9" * 5000, "count_over_limit", "最多购买 99 件"),
        ("abc", "invalid_count", "必须是整数"),
        ("1.5", "invalid_count", "必须是整数"),
        (1.5, "invalid_count", "必须是整数"),
        (True, "invalid_count", "必须是整数"),
        (None, "invalid_count", "必须是整数"),
        ([1], "invalid_count", "必须是整数"),
        ({"n": 1}, "invalid_count", "必须是整数"),
    ],
)
def test_add_with_a_bad_count_writes_nothing(shopper, count, code, text):
    sku = SKUFactory()
    response = shopper.post("/cart/add/", {"sku_id": sku.pk, "count": count})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["code"] == code
    assert text in body["message"]
    assert shopper.stored() == {}
    assert "cart" not in response.cookies


@pytest.mark.parametrize(
    ("sku_id", "code", "text"),
    [
        (999999, "unknown_sku", "商品不存在"),
        ("abc", "invalid_sku", "商品编号不正确"),
        (-3, "invalid_sku", "商品编号不正确"),
        (0, "invalid_sku", "商品编号不正确"),
        ("", "missing_sku_id", "请选择商品"),
        (None, "missing_sku_id", "请选择商品"),
    ],
)
def test_add_of_an_unknown_sku_writes_nothing(shopper, sku_id, code, text):
    response = shopper.post("/cart/add/", {"sku_id": sku_id, "count": 1})
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert text in response.json()["message"]
    assert shopper.stored() == {}


def test_add_of_an_unlaunched_sku_writes_nothing(shopper):
    sku = SKUFactory(is_launched=False)
    response = shopper.post("/cart/add/", {"sku_id": sku.pk, "count": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "sku_not_launched"
    assert "已下架" in response.json()["message"]
    assert shopper.stored() == {}


def test_add_of_an_sku_without_stock_writes_nothing(shopper):
    sku = SKUFactory(stock=0)
    response = shopper.post("/cart/add/", {"sku_id": sku.pk, "count": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "out_of_stock"
    assert shopper.stored() == {}


def test_add_beyond_the_stock_is_refused(shopper):
    sku = SKUFactory(stock=3)
    add(shopper, sku, 2)
    response = shopper.post("/cart/add/", {"sku_id": sku.pk, "count": 2})
    assert response.status_code == 400
    assert response.json()["code"] == "not_enough_stock"
    assert "仅剩 3 件" in response.json()["message"]
    assert shopper.stored() == {sku.pk: CartItem(2, True)}


def test_bad_json_and_wrong_methods_never_500(shopper):
    client = shopper.client
    response = client.post("/cart/add/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    response = client.post("/cart/add/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert client.get("/cart/add/").status_code == 405
    assert client.post("/cart/count/").status_code == 405
    assert shopper.stored() == {}


@pytest.mark.parametrize("count", [0, -1, 10**9, "abc"])
def test_change_to_a_bad_count_writes_nothing(shopper, count):
    sku = SKUFactory()
    add(shopper, sku, 2)
    response = shopper.post("/cart/update/", {"sku_id": sku.pk, "count": count})
    assert response.status_code == 400
    assert response.json()["message"]
    assert shopper.stored() == {sku.pk: CartItem(2, True)}


def test_change_of_a_line_not_in_the_cart_is_refused(shopper):
    sku, other = SKUFactory(), SKUFactory()
    add(shopper, sku)
    response = shopper.post("/cart/update/", {"sku_id": other.pk, "count": 3})
    assert response.status_code == 404
    assert response.json()["code"] == "not_in_cart"
    response = shopper.post("/cart/update/", {"sku_id": 999999, "count": 3})
    assert response.status_code == 404
    assert shopper.stored() == {sku.pk: CartItem(1, True)}


def test_change_beyond_stock_is_refused(shopper):
    sku = SKUFactory(stock=4)
    add(shopper, sku)
    response = shopper.post("/cart/update/", {"sku_id": sku.pk, "count": 5})
    assert response.status_code == 400
    assert "仅剩 4 件" in response.json()["message"]
    assert shopper.stored() == {sku.pk: CartItem(1, True)}


def test_selecting_an_unlaunched_line_is_refused(shopper):
    sku = SKUFactory()
    add(shopper, sku)
    shopper.post("/cart/select/", {"sku_id": sku.pk, "selected": False})
    sku.is_launched = False
    sku.save()
    response = shopper.post("/cart/select/", {"sku_id": sku.pk, "selected": True})
    assert response.status_code == 400
    assert "已下架" in response.json()["message"]
    assert shopper.stored() == {sku.pk: CartItem(1, False)}


@pytest.mark.parametrize("selected", ["maybe", 2, None, [True]])
def test_bad_selected_flag_is_refused(shopper, selected):
    sku = SKUFactory()
    add(shopper, sku)
    response = shopper.post("/cart/update/", {"sku_id": sku.pk, "selected": selected})
    assert response.status_code == 400
    assert shopper.stored() == {sku.pk: CartItem(1, True)}


# --- Operations --------------------------------------------------------------------------------------------


def test_add_accumulates_and_selects(shopper):
    sku = SKUFactory()
    body = add(shopper, sku, 2)
    assert body["message"] == "已加入购物车"
    assert body["sku_count"] == 2
    body = add(shopper, sku, 3)
    assert body["sku_count"] == 5
    assert body["count"] == 5
    assert shopper.stored() == {sku.pk: CartItem(5, True)}


def test_list_shows_current_price_stock_and_server_totals(shopper):
    phone = SKUFactory(price=Decimal("1999.00"), stock=10)
    cable = SKUFactory(price=Decimal("0.10"), stock=50)
    case = SKUFactory(price=Decimal("39.90"), stock=5)
    gone = SKUFactory(price=Decimal("5.00"))
    add(shopper, phone, 2)
    add(shopper, cable, 3)
    add(shopper, case, 1)
    add(shopper, gone, 1)
    shopper.post("/cart/select/", {"sku_id": case.pk, "selected": False})
    phone.price = Decimal("1899.00")  # price changed since it was added: the cart shows today's price
    phone.save()
    gone.is_launched = False
    gone.save()

    body = shopper.get("/cart/lines/").json()
    cart = body["cart"]
    lines = {line["sku_id"]: line for line in cart["lines"]}
    assert lines[phone.pk]["price"] == "1899.00"
    assert lines[phone.pk]["subtotal"] == "3798.00"
    assert lines[phone.pk]["stock"] == 10
    assert lines[cable.pk]["subtotal"] == "0.30"
    assert lines[case.pk]["selected"] is False
    assert lines[gone.pk]["available"] is False
    assert lines[gone.pk]["problem"] == "该商品已下架"
    assert cart["selected_count"] == 5  # 2 phones + 3 cables; the unticked case and the unlaunched SKU don't count
    assert cart["selected_amount"] == "3798.30"
    assert cart["total_count"] == 7
    assert body["count"] == 7


def test_change_count_select_select_all_and_delete(shopper):
    a, b = SKUFactory(), SKUFactory()
    add(shopper, a)
    add(shopper, b)
    assert shopper.post("/cart/update/", {"sku_id": a.pk, "count": 4}).status_code == 200
    assert shopper.post("/cart/update/", {"sku_id": b.pk, "selected": False}).status_code == 200
    assert shopper.stored() == {a.pk: CartItem(4, True), b.pk: CartItem(1, False)}

    body = shopper.post("/cart/select-all/", {"selected": False}).json()
    assert body["cart"]["all_selected"] is False
    assert shopper.stored() == {a.pk: CartItem(4, False), b.pk: CartItem(1, False)}
    body = shopper.post("/cart/select-all/", {"selected": True}).json()
    assert body["cart"]["all_selected"] is True
    assert body["cart"]["selected_count"] == 5

    shopper.post("/cart/select/", {"sku_ids": [a.pk, b.pk], "selected": False})
    assert shopper.stored() == {a.pk: CartItem(4, False), b.pk: CartItem(1, False)}

    body = shopper.post("/cart/delete/", {"sku_id": a.pk}).json()
    assert body["count"] == 1
    assert shopper.stored() == {b.pk: CartItem(1, False)}
    # Deleting again (a double click) is harmless.
    assert shopper.post("/cart/delete/", {"sku_ids": [a.pk, b.pk]}).status_code == 200
    assert shopper.stored() == {}


def test_lines_of_deleted_skus_leave_the_cart(shopper):
    keep, drop = SKUFactory(), SKUFactory()
    add(shopper, keep)
    add(shopper, drop)
    drop.delete()
    body = shopper.get("/cart/lines/").json()
    assert [line["sku_id"] for line in body["cart"]["lines"]] == [keep.pk]
    assert shopper.stored() == {keep.pk: CartItem(1, True)}


def test_plain_form_post_without_javascript_redirects_with_a_message(client):
    sku = SKUFactory()
    response = client.post(
        "/cart/add/", {"sku_id": sku.pk, "count": "2"}, HTTP_REFERER=f"http://testserver/goods/{sku.pk}/"
    )
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    page = client.get("/cart/")
    assert "已加入购物车" in page.content.decode()
    response = client.post(
        "/cart/add/", {"sku_id": sku.pk, "count": "abc"}, HTTP_REFERER=f"http://testserver/goods/{sku.pk}/"
    )
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/goods/{sku.pk}/"
    response = client.post("/cart/add/", {"sku_id": sku.pk, "count": "1"}, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == "/cart/"


def test_cart_page_renders_lines_and_totals(shopper):
    sku = SKUFactory(name="测试手机", price=Decimal("1999.00"))
    add(shopper, sku, 2)
    response = shopper.client.get("/cart/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试手机" in html
    assert "¥3998.00" in html
    assert f'data-cart-line data-sku-id="{sku.pk}"' in html
    assert "js/cart.js" in html


def test_empty_cart_page(client):
    response = client.get("/cart/")
    assert response.status_code == 200
    assert "购物车空空如也" in response.content.decode()
