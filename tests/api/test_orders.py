"""Checkout, orders and payment through the API alone: a whole purchase from login to a paid order (the
offline Alipay sandbox as the cashier, its signed notify), the one-time token, ownership refusals and the
order actions' state errors as codes."""

import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from commerce.orders.models import Order, OrderStatus
from commerce.payments.sandbox import store
from tests.api.conftest import ADDRESS, login
from tests.commerce.orders.conftest import put_in_cart
from tests.commerce.payments.conftest import post_notify, signed_notify
from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def _place(api, *, pay_method="alipay", **extra):
    checkout = api.get("/api/v1/checkout/").json()
    payload = {
        "address_id": checkout["addresses"][0]["id"],
        "pay_method": pay_method,
        "token": checkout["token"],
        "expected_total": checkout["quote"]["pay_amount"],
        **extra,
    }
    return checkout, api.post("/api/v1/orders/", payload, format="json")


def test_a_whole_purchase_through_the_api_alone(api, django_capture_on_commit_callbacks):
    user = UserFactory()
    sku = SKUFactory(price=Decimal("99.50"), stock=10)
    login(api, user)
    assert api.post("/api/v1/cart/", {"sku_id": sku.id, "count": 2}, format="json").status_code == 201
    assert api.post("/api/v1/addresses/", ADDRESS, format="json").status_code == 201

    checkout = api.get("/api/v1/checkout/")
    assert checkout.status_code == 200
    preview = checkout.json()
    assert [(line["sku_id"], line["count"]) for line in preview["lines"]] == [(sku.id, 2)]
    assert preview["quote"]["goods_amount"] == "199.00" and preview["token"]
    assert {m["value"] for m in preview["pay_methods"]} >= {"alipay"}

    with django_capture_on_commit_callbacks(execute=True):  # as after a real commit: the cart is emptied
        placed = api.post(
            "/api/v1/orders/",
            {
                "address_id": preview["addresses"][0]["id"],
                "pay_method": "alipay",
                "token": preview["token"],
                "expected_total": preview["quote"]["pay_amount"],
            },
            format="json",
        )
    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert order["status"] == OrderStatus.UNPAID and order["pay_amount"] == preview["quote"]["pay_amount"]
    assert order["lines"][0]["sku_id"] == sku.id and order["lines"][0]["count"] == 2
    assert api.get("/api/v1/cart/").json()["lines"] == []  # bought lines left the cart
    sku.refresh_from_db()
    assert sku.stock == 8

    pay = api.post(f"/api/v1/orders/{order['order_id']}/pay/")
    assert pay.status_code == 200
    url = urlsplit(pay.json()["pay_url"])
    assert url.path == "/alipay-sandbox/gateway.do"
    assert dict(parse_qsl(url.query))["method"] == "alipay.trade.page.pay"

    # The shopper pays in the sandbox cashier (a web view in the app); Alipay then notifies the server.
    browser = Client()
    cashier = browser.get(f"{url.path}?{url.query}")
    assert cashier.status_code == 200 and order["pay_amount"] in cashier.content.decode()
    ticket = re.search(r'name="ticket" value="([^"]+)"', cashier.content.decode()).group(1)
    assert browser.post("/alipay-sandbox/pay/", {"ticket": ticket}).status_code == 302
    trade = store.get_trade(settings.ALIPAY_SANDBOX_APP_ID, order["order_id"])
    assert post_notify(signed_notify(Order.objects.get(pk=order["order_id"]), trade=trade)) == "success"

    detail = api.get(f"/api/v1/orders/{order['order_id']}/").json()
    assert detail["status"] == OrderStatus.TO_SHIP and detail["paid_at"]
    assert api.post(f"/api/v1/orders/{order['order_id']}/pay/").json()["code"] == "payment_not_allowed"


def test_the_same_token_twice_answers_the_same_order_and_a_stale_total_is_409(shopper_api, shopper):
    put_in_cart(shopper, SKUFactory(stock=5), 1)
    AddressFactory(user=shopper)
    checkout, first = _place(shopper_api)
    assert first.status_code == 201
    again = shopper_api.post(
        "/api/v1/orders/",
        {"address_id": checkout["addresses"][0]["id"], "pay_method": "alipay", "token": checkout["token"]},
        format="json",
    )
    assert again.status_code == 201 and again.json()["order_id"] == first.json()["order_id"]
    assert Order.objects.filter(user=shopper).count() == 1

    put_in_cart(shopper, SKUFactory(stock=5), 1)
    _, stale = _place(shopper_api, expected_total="0.01")
    assert stale.status_code == 409 and stale.json()["code"]


def test_place_order_input_errors_name_fields_and_an_unknown_token_is_refused(shopper_api, shopper):
    put_in_cart(shopper, SKUFactory(stock=5), 1)
    address = AddressFactory(user=shopper)
    bad = shopper_api.post("/api/v1/orders/", {"pay_method": "BITCOIN"}, format="json")
    assert bad.status_code == 400 and {"address_id", "pay_method", "token"} <= set(bad.json()["fields"])
    forged = shopper_api.post(
        "/api/v1/orders/", {"address_id": address.id, "pay_method": "alipay", "token": "x" * 32}, format="json"
    )
    assert forged.status_code == 409 and forged.json()["code"] == "token_invalid"


def test_checkout_with_an_empty_selection_is_a_code(shopper_api):
    response = shopper_api.get("/api/v1/checkout/")
    assert 400 <= response.status_code < 500 and response.json()["code"]


def test_another_shoppers_address_or_order_is_404(shopper_api, shopper):
    put_in_cart(shopper, SKUFactory(stock=5), 1)
    AddressFactory(user=shopper)
    foreign_address = AddressFactory(user=UserFactory())
    checkout = shopper_api.get("/api/v1/checkout/").json()
    with_foreign = shopper_api.post(
        "/api/v1/orders/",
        {"address_id": foreign_address.id, "pay_method": "alipay", "token": checkout["token"]},
        format="json",
    )
    assert with_foreign.status_code == 404

    other = UserFactory()
    put_in_cart(other, SKUFactory(stock=5), 1)
    AddressFactory(user=other)
    other_api = type(shopper_api)()
    login(other_api, other)
    _, theirs = _place(other_api)
    order_id = theirs.json()["order_id"]
    for response in (
        shopper_api.get(f"/api/v1/orders/{order_id}/"),
        shopper_api.post(f"/api/v1/orders/{order_id}/cancel/"),
        shopper_api.post(f"/api/v1/orders/{order_id}/pay/"),
        shopper_api.post(f"/api/v1/orders/{order_id}/receive/"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert Order.objects.get(pk=order_id).status == OrderStatus.UNPAID
    assert shopper_api.get("/api/v1/orders/").json()["count"] == 0


def test_orders_list_filter_and_cancel(shopper_api, shopper):
    sku = SKUFactory(stock=5)
    AddressFactory(user=shopper)
    put_in_cart(shopper, sku, 2)
    _, placed = _place(shopper_api)
    order_id = placed.json()["order_id"]

    listed = shopper_api.get("/api/v1/orders/").json()
    assert listed["count"] == 1 and listed["results"][0]["order_id"] == order_id
    assert shopper_api.get("/api/v1/orders/", {"status": OrderStatus.FINISHED}).json()["count"] == 0
    assert shopper_api.get("/api/v1/orders/", {"status": "garbage"}).json()["count"] == 1

    cancelled = shopper_api.post(f"/api/v1/orders/{order_id}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == OrderStatus.CANCELED
    sku.refresh_from_db()
    assert sku.stock == 5
    twice = shopper_api.post(f"/api/v1/orders/{order_id}/cancel/")
    assert twice.status_code == 409 and twice.json()["code"]
    assert shopper_api.post(f"/api/v1/orders/{order_id}/receive/").status_code == 409
    assert shopper_api.post(f"/api/v1/orders/{order_id}/pay/").json()["code"] == "payment_not_allowed"
