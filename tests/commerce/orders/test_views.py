"""Checkout, place-order and my-orders views (SPEC E1, E2, E6, E8, J): bad input gets a clear message,
changes nothing and never a 500."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from commerce.catalog.models import SKU
from commerce.orders import tokens
from commerce.orders.models import Order, OrderStatus, PayMethod, UserCoupon
from commerce.orders.services import mark_paid, place_order, ship_order
from tests.commerce.orders.conftest import cart_of, place_alipay_order_of_cart, put_in_cart
from tests.factories import AddressFactory, CouponFactory, SKUFactory, UserFactory, give_points

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def shopper(client):
    user = UserFactory()
    AddressFactory(user=user, receiver="旧地址")
    address = AddressFactory(user=user, receiver="默认收货人")
    user.default_address = address
    user.save()
    client.force_login(user)
    return user, address


def _token_from(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the checkout page carries a token"
    return match.group(1)


def _post_place(client, **data):
    return client.post(reverse("orders:place"), data, **JSON)


def _stock(sku) -> int:
    return SKU.objects.get(pk=sku.pk).stock


def test_checkout_requires_login(client):
    response = client.get(reverse("orders:settlement"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_checkout_page_shows_server_computed_amounts_default_address_first_and_a_token(client, shopper):
    user, address = shopper
    sku = SKUFactory(name="保温杯", price=Decimal("59.90"), stock=9)
    put_in_cart(user, sku, 2)
    response = client.get(reverse("orders:settlement"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "保温杯" in html
    assert html.index("默认收货人") < html.index("旧地址")
    # 满99包邮: goods ¥119.80 ship free.
    amounts = BeautifulSoup(html, "html.parser")
    assert amounts.select_one('[data-amount="goods_amount"]').get_text() == "¥119.80"
    assert amounts.select_one('[data-amount="freight"]').get_text() == "¥0.00"
    assert amounts.select_one('[data-amount="pay_amount"]').get_text() == "¥119.80"
    token = _token_from(response)
    assert tokens.claim_token(user_id=user.pk, token=token).claimed


def test_checkout_with_nothing_selected_sends_the_shopper_back_to_the_cart(client, shopper):
    response = client.get(reverse("orders:settlement"), follow=True)
    assert response.redirect_chain[-1][0].startswith("/cart/")
    assert "没有勾选的商品" in response.content.decode()


def test_quote_endpoint_applies_coupon_and_points_on_the_server(client, shopper):
    user, _ = shopper
    put_in_cart(user, SKUFactory(price=Decimal("100.00"), stock=5), 2)
    user_coupon = UserCoupon.objects.create(user=user, coupon=CouponFactory())
    give_points(user, 50_000)
    body = client.get(reverse("orders:quote"), {"coupon": user_coupon.pk, "points": 99_999}, **JSON).json()
    # goods 200 - coupon 10 = 190; points capped at 50% = 95 yuan = 9500 points; goods ≥ 99 ship free.
    assert body["ok"] and body["discount"] == "10.00" and body["points"] == 9500
    assert body["points_amount"] == "95.00" and body["freight"] == "0.00" and body["pay_amount"] == "95.00"
    assert client.get(reverse("orders:quote"), {"points": "abc"}, **JSON).status_code == 400


def test_place_order_and_resubmit_with_the_same_token_point_to_the_same_order(client, shopper):
    user, address = shopper
    sku = SKUFactory(price=Decimal("20.00"), stock=5)
    put_in_cart(user, sku, 2)
    token = _token_from(client.get(reverse("orders:settlement")))
    data = {"address_id": address.pk, "pay_method": PayMethod.CASH, "token": token, "expected_total": "50.00"}
    first = _post_place(client, **data)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["ok"] and body["status"] == OrderStatus.TO_SHIP and body["url"].endswith(f"/{body['order_id']}/")
    again = _post_place(client, **data)
    assert again.status_code == 200 and again.json()["order_id"] == body["order_id"]
    assert Order.objects.count() == 1 and _stock(sku) == 3

    detail = client.get(body["url"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert f'data-order-id="{body["order_id"]}"' in html and 'data-order-status="unsend"' in html


def test_place_order_without_javascript_redirects_to_the_order(client, shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(price=Decimal("20.00"), stock=5), 1)
    token = _token_from(client.get(reverse("orders:settlement")))
    response = client.post(
        reverse("orders:place"), {"address_id": address.pk, "pay_method": PayMethod.ALIPAY, "token": token}
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()


def test_another_users_address_gets_a_clear_message_and_writes_nothing(client, shopper):
    user, _ = shopper
    sku = SKUFactory(stock=5)
    put_in_cart(user, sku)
    token = _token_from(client.get(reverse("orders:settlement")))
    foreign = AddressFactory()
    response = _post_place(client, address_id=foreign.pk, pay_method=PayMethod.CASH, token=token)
    assert response.status_code == 404
    assert response.json()["code"] == "address_not_found" and "收货地址" in response.json()["message"]
    assert Order.objects.count() == 0 and _stock(sku) == 5 and cart_of(user) == {sku.pk: 1}


def test_stale_page_total_asks_to_reload_and_writes_nothing(client, shopper):
    user, address = shopper
    sku = SKUFactory(price=Decimal("100.00"), stock=5)
    put_in_cart(user, sku)
    token = _token_from(client.get(reverse("orders:settlement")))
    SKU.objects.filter(pk=sku.pk).update(price=Decimal("90.00"))  # the price moved after the page was shown
    response = _post_place(
        client, address_id=address.pk, pay_method=PayMethod.CASH, token=token, expected_total="110.00"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_total" and "刷新" in response.json()["message"]
    assert Order.objects.count() == 0 and _stock(sku) == 5


@pytest.mark.parametrize("problem", ["unknown", "unlaunched"])
def test_unknown_or_unlaunched_sku_in_the_cart_is_named_and_nothing_written(client, shopper, problem):
    user, address = shopper
    good = SKUFactory(stock=5)
    put_in_cart(user, good)
    token = _token_from(client.get(reverse("orders:settlement")))
    if problem == "unknown":
        gone = SKUFactory(stock=5)
        put_in_cart(user, gone)
        # Deleting the SKU also removes it from any cart when the cart page lists it; checkout must not trust that.
        SKU.objects.filter(pk=gone.pk).delete()
    else:
        withdrawn = SKUFactory(name="停售耳机", stock=5)
        put_in_cart(user, withdrawn)
        SKU.objects.filter(pk=withdrawn.pk).update(is_launched=False)
    response = _post_place(client, address_id=address.pk, pay_method=PayMethod.CASH, token=token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "sku_unavailable" and "下架" in body["message"]
    if problem == "unlaunched":
        assert "停售耳机" in body["message"]
    assert Order.objects.count() == 0 and _stock(good) == 5
    page = client.get(reverse("orders:settlement"), follow=True)
    assert page.status_code == 200 and "下架" in page.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"address_id": "abc"},
        {"address_id": "-1"},
        {"address_id": "99999999999999999999999"},
        {"pay_method": "bitcoin"},
        {"points": "-1"},
        {"points": "abc"},
        {"coupon_id": "0"},
        {"expected_total": "NaN"},
        {"token": ""},
    ],
)
def test_malformed_place_order_input_is_refused_without_a_500(client, shopper, data):
    user, address = shopper
    sku = SKUFactory(stock=5)
    put_in_cart(user, sku)
    token = _token_from(client.get(reverse("orders:settlement")))
    payload = {"address_id": address.pk, "pay_method": PayMethod.CASH, "token": token, **data}
    response = _post_place(client, **payload)
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["message"]
    assert Order.objects.count() == 0 and _stock(sku) == 5


def test_points_over_the_balance_are_refused(client, shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(price=Decimal("100.00"), stock=5))
    token = _token_from(client.get(reverse("orders:settlement")))
    response = _post_place(client, address_id=address.pk, pay_method=PayMethod.CASH, token=token, points=100)
    assert response.status_code == 400 and response.json()["code"] == "insufficient_points"


def test_foreign_or_unknown_order_id_is_404(client, shopper):
    other = UserFactory()
    put_in_cart(other, SKUFactory(stock=5))
    foreign = place_order(
        user=other,
        address_id=AddressFactory(user=other).pk,
        pay_method=PayMethod.ALIPAY,
        token=tokens.issue_token(user_id=other.pk),
    )
    assert client.get(reverse("orders:detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("orders:detail", args=["1" * 29])).status_code == 404
    assert client.get("/orders/abc/").status_code == 404
    response = client.post(reverse("orders:cancel", args=[foreign.pk]), **JSON)
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert Order.objects.get(pk=foreign.pk).status == OrderStatus.UNPAID


def test_shopper_cancels_an_unpaid_order_and_gets_stock_coupon_and_points_back(client, shopper):
    user, address = shopper
    sku = SKUFactory(price=Decimal("300.00"), stock=5)
    put_in_cart(user, sku, 1)
    user_coupon = UserCoupon.objects.create(user=user, coupon=CouponFactory())
    give_points(user, 1000)
    order = place_alipay_order_of_cart(user, address, coupon_id=user_coupon.pk, points=1000)
    assert _stock(sku) == 4
    response = client.post(reverse("orders:cancel", args=[order.pk]), follow=True)
    assert response.status_code == 200 and "订单已取消" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and _stock(sku) == 5
    assert UserCoupon.objects.get(pk=user_coupon.pk).used_order_id is None
    points_page = client.get(reverse("orders:points")).content.decode()
    assert "data-points-balance>1000<" in points_page and "订单取消退还" in points_page
    again = client.post(reverse("orders:cancel", args=[order.pk]), **JSON)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_paid_order_cannot_be_cancelled_by_the_shopper_and_receipt_is_confirmed_after_shipping(client, shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(price=Decimal("10.00"), stock=5))
    order = place_order(
        user=user, address_id=address.pk, pay_method=PayMethod.ALIPAY, token=tokens.issue_token(user_id=user.pk)
    )
    mark_paid(order_id=order.pk, trade_no="2026TEST", amount=order.pay_amount)
    assert client.post(reverse("orders:cancel", args=[order.pk]), **JSON).status_code == 409
    assert client.post(reverse("orders:receive", args=[order.pk]), **JSON).status_code == 409  # not shipped yet
    ship_order(order_id=order.pk)
    response = client.post(reverse("orders:receive", args=[order.pk]), **JSON)
    assert response.status_code == 200 and response.json()["status"] == OrderStatus.TO_REVIEW


def test_my_orders_are_paginated_and_filtered_by_state(client, shopper, settings):
    settings.ORDER_LIST_PAGE_SIZE = 2
    user, address = shopper
    sku = SKUFactory(stock=50)
    placed = []
    for method in [PayMethod.CASH, PayMethod.ALIPAY, PayMethod.ALIPAY]:
        put_in_cart(user, sku)
        placed.append(
            place_order(user=user, address_id=address.pk, pay_method=method, token=tokens.issue_token(user_id=user.pk))
        )
    put_in_cart(stranger := UserFactory(), sku)
    place_order(
        user=stranger,
        address_id=AddressFactory(user=stranger).pk,
        pay_method=PayMethod.CASH,
        token=tokens.issue_token(user_id=stranger.pk),
    )
    first_page = client.get(reverse("orders:list")).content.decode()
    second_page = client.get(reverse("orders:list"), {"page": 2}).content.decode()
    shown = set(re.findall(r'data-order-id="(\d+)"', first_page + second_page))
    assert shown == {o.pk for o in placed}
    unpaid = client.get(reverse("orders:list"), {"status": "unpaid"}).content.decode()
    assert set(re.findall(r'data-order-id="(\d+)"', unpaid)) == {placed[1].pk, placed[2].pk}
    assert client.get(reverse("orders:list"), {"status": "nonsense", "page": "x"}).status_code == 200


def test_coupon_page_lists_and_claims_coupons(client, shopper):
    user, _ = shopper
    coupon = CouponFactory(name="新人券", total=1)
    page = client.get(reverse("orders:coupons")).content.decode()
    assert "新人券" in page
    response = client.post(reverse("orders:coupon_claim", args=[coupon.pk]), follow=True)
    assert "已领取优惠券" in response.content.decode()
    again = client.post(reverse("orders:coupon_claim", args=[coupon.pk]), **JSON)
    assert again.status_code == 400 and again.json()["code"] == "coupon_already_claimed"
    other = UserFactory()
    client.force_login(other)
    sold_out = client.post(reverse("orders:coupon_claim", args=[coupon.pk]), **JSON)
    assert sold_out.json()["code"] == "coupon_sold_out"
    assert client.post(reverse("orders:coupon_claim", args=[999999]), **JSON).status_code == 404
