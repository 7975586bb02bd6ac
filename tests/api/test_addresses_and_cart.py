"""Addresses CRUD and the cart through the API: the site's address rules and the same Redis cart, another
shopper's address answered like a missing one, and cart input errors as codes (never a 500)."""

import pytest

from commerce.cart.storage import RedisCart
from tests.api.conftest import ADDRESS, PASSWORD, login
from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_address_create_list_update_default_delete(shopper_api, shopper):
    created = shopper_api.post("/api/v1/addresses/", ADDRESS, format="json")
    assert created.status_code == 201
    first = created.json()
    assert first["title"] == "张三" and first["province"] == {"id": 11, "name": "北京市"} and first["is_default"]

    second = shopper_api.post("/api/v1/addresses/", {**ADDRESS, "receiver": "李四"}, format="json").json()
    assert not second["is_default"]
    listed = shopper_api.get("/api/v1/addresses/").json()
    assert [a["id"] for a in listed] == [first["id"], second["id"]]

    changed = shopper_api.put(f"/api/v1/addresses/{second['id']}/", {**ADDRESS, "place": "新地址"}, format="json")
    assert changed.status_code == 200 and changed.json()["place"] == "新地址"
    default = shopper_api.post(f"/api/v1/addresses/{second['id']}/default/")
    assert default.status_code == 200 and default.json()["is_default"]
    assert shopper_api.get(f"/api/v1/addresses/{second['id']}/").json()["is_default"]

    assert shopper_api.delete(f"/api/v1/addresses/{first['id']}/").status_code == 204
    assert [a["id"] for a in shopper_api.get("/api/v1/addresses/").json()] == [second["id"]]


def test_address_input_errors_name_their_fields(shopper_api):
    response = shopper_api.post("/api/v1/addresses/", {**ADDRESS, "mobile": "123", "receiver": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and {"mobile", "receiver"} <= set(body["fields"])


def test_another_shoppers_address_is_404_for_every_verb(shopper_api):
    foreign = AddressFactory(user=UserFactory())
    url = f"/api/v1/addresses/{foreign.id}/"
    assert shopper_api.get(url).status_code == 404
    assert shopper_api.put(url, ADDRESS, format="json").json()["code"] == "address_not_found"
    assert shopper_api.delete(url).status_code == 404
    assert shopper_api.post(url + "default/").status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_deleted and foreign.place != ADDRESS["place"]


def test_addresses_need_a_token(api):
    response = api.get("/api/v1/addresses/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_cart_add_change_select_delete_is_the_users_redis_cart(shopper_api, shopper):
    phone, case = SKUFactory(stock=10), SKUFactory(stock=5)
    added = shopper_api.post("/api/v1/cart/", {"sku_id": phone.id, "count": 2}, format="json")
    assert added.status_code == 201 and added.json()["total_count"] == 2
    shopper_api.post("/api/v1/cart/", {"sku_id": case.id}, format="json")
    assert {k: v.count for k, v in RedisCart(shopper.pk).items().items()} == {phone.id: 2, case.id: 1}

    changed = shopper_api.patch(f"/api/v1/cart/{phone.id}/", {"count": 3, "selected": False}, format="json").json()
    line = next(line for line in changed["lines"] if line["sku_id"] == phone.id)
    assert line["count"] == 3 and not line["selected"] and changed["selected_amount"] == "1999.00"
    assert shopper_api.put("/api/v1/cart/", {"selected": True}, format="json").json()["all_selected"]
    after = shopper_api.delete(f"/api/v1/cart/{case.id}/").json()
    assert [line["sku_id"] for line in after["lines"]] == [phone.id]
    assert shopper_api.get("/api/v1/cart/").json()["total_count"] == 3


def test_the_site_and_the_api_share_the_cart(shopper_api, shopper, client):
    sku = SKUFactory()
    shopper_api.post("/api/v1/cart/", {"sku_id": sku.id, "count": 2}, format="json")
    client.force_login(shopper)
    assert client.get("/cart/count/").json()["count"] == 2
    client.post("/cart/add/", {"sku_id": sku.id, "count": 1}, content_type="application/json")
    assert shopper_api.get("/api/v1/cart/").json()["total_count"] == 3


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "missing_sku_id"),
        ({"sku_id": "abc"}, "invalid_sku"),
        ({"sku_id": 1, "count": 0}, "invalid_count"),
        ({"sku_id": 1, "count": 10**9}, "count_over_limit"),
        ({"sku_id": 99999999}, "unknown_sku"),
    ],
)
def test_cart_input_errors_are_codes(shopper_api, payload, code):
    response = shopper_api.post("/api/v1/cart/", payload, format="json")
    assert 400 <= response.status_code < 500 and response.json()["code"] == code


def test_cart_more_than_stock_is_refused_with_a_code(shopper_api):
    sku = SKUFactory(stock=2)
    response = shopper_api.post("/api/v1/cart/", {"sku_id": sku.id, "count": 3}, format="json")
    assert 400 <= response.status_code < 500 and response.json()["code"] and response.json()["message"]


def test_login_is_enough_for_another_client(api):
    user = UserFactory()
    login(api, user)
    assert api.get("/api/v1/cart/").json()["lines"] == []


def test_an_anonymous_app_cart_travels_in_its_token_and_merges_at_login(api):
    phone, case = SKUFactory(stock=10), SKUFactory(stock=10)
    first = api.post("/api/v1/cart/", {"sku_id": phone.id, "count": 2}, format="json")
    assert first.status_code == 201 and first.json()["total_count"] == 2
    token = first.json()["cart_token"]
    second = api.post("/api/v1/cart/", {"sku_id": case.id}, format="json", HTTP_X_CART_TOKEN=token)
    token = second.json()["cart_token"]
    assert second.json()["total_count"] == 3
    assert api.get("/api/v1/cart/", HTTP_X_CART_TOKEN="forged").json()["lines"] == []
    assert api.get("/api/v1/checkout/", HTTP_X_CART_TOKEN=token).status_code == 401  # buying needs an account

    user = UserFactory()
    RedisCart(user.pk).redis.hset(RedisCart(user.pk).key, phone.id, 5)
    response = api.post(
        "/api/v1/auth/login/", {"login": user.username, "password": PASSWORD, "cart_token": token}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    cart = api.get("/api/v1/cart/").json()
    assert {line["sku_id"]: line["count"] for line in cart["lines"]} == {phone.id: 2, case.id: 1}  # the app's wins
    assert "cart_token" not in cart
