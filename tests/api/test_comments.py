"""Receiving and commenting an order through the API, and a SKU's comments as the product page lists them."""

import pytest
from rest_framework.test import APIClient

from commerce.orders.models import OrderLine, OrderStatus
from commerce.orders.services import mark_paid, ship_order
from tests.api.conftest import login
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def _received_order(api, user, sku):
    put_in_cart(user, sku, 1)
    AddressFactory(user=user)
    checkout = api.get("/api/v1/checkout/").json()
    placed = api.post(
        "/api/v1/orders/",
        {"address_id": checkout["addresses"][0]["id"], "pay_method": "alipay", "token": checkout["token"]},
        format="json",
    ).json()
    mark_paid(order_id=placed["order_id"], trade_no="T1")
    ship_order(order_id=placed["order_id"])
    received = api.post(f"/api/v1/orders/{placed['order_id']}/receive/")
    assert received.status_code == 200 and received.json()["status"] == OrderStatus.TO_REVIEW
    return placed


def test_comment_a_received_order_then_read_it_on_the_sku(shopper_api, shopper):
    sku = SKUFactory()
    order = _received_order(shopper_api, shopper, sku)
    line_id = OrderLine.objects.get(order_id=order["order_id"]).pk
    url = f"/api/v1/orders/{order['order_id']}/comments/"
    short = shopper_api.post(url, {"line_id": line_id, "score": 5, "content": "好"}, format="json")
    assert short.status_code == 400 and short.json()["code"]
    bad_flag = shopper_api.post(
        url, {"line_id": line_id, "score": 5, "content": "质量很好，物流很快", "is_anonymous": "yes"}, format="json"
    )
    assert bad_flag.json()["code"] == "invalid_anonymous"
    done = shopper_api.post(
        url, {"line_id": line_id, "score": 5, "content": "质量很好，物流很快", "is_anonymous": True}, format="json"
    )
    assert done.status_code == 201 and done.json()["order_finished"]
    assert shopper_api.get(f"/api/v1/orders/{order['order_id']}/").json()["status"] == OrderStatus.FINISHED

    listed = shopper_api.get(f"/api/v1/skus/{sku.id}/comments/").json()
    assert listed["count"] == 1 and listed["results"][0]["content"] == "质量很好，物流很快"
    assert listed["results"][0]["display_name"].endswith("***") and listed["results"][0]["score"] == 5


def test_another_shoppers_order_cannot_be_commented(shopper_api):
    other = UserFactory()
    other_api = APIClient()
    login(other_api, other)
    order = _received_order(other_api, other, SKUFactory())
    response = shopper_api.post(
        f"/api/v1/orders/{order['order_id']}/comments/",
        {"line_id": 1, "score": 5, "content": "质量很好，物流很快"},
        format="json",
    )
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
