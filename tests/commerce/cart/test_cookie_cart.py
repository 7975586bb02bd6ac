"""Anonymous cart in a signed JSON cookie (SPEC D1): never trusted, cleaned or replaced when wrong."""

from __future__ import annotations

import base64
import json
import pickle

import pytest
from django.core import signing

from commerce.cart.storage import COOKIE_SALT, CartItem, decode_cookie, encode_cookie
from tests.factories import SKUFactory

from .conftest import signed_cookie

pytestmark = pytest.mark.django_db

COUNT_URL = "/cart/count/"
ADD_URL = "/cart/add/"


def cookie_items(response) -> dict[int, CartItem] | None:
    """The cart the response leaves in the browser: None when it deletes the cookie (or sets none)."""
    morsel = response.cookies.get("cart")
    if morsel is None or not morsel.value:
        return None
    items, clean = decode_cookie(morsel.value)
    assert clean
    return items


def deletes_cookie(response) -> bool:
    morsel = response.cookies.get("cart")
    return morsel is not None and morsel.value == "" and morsel["max-age"] == 0


def test_cookie_is_signed_json_not_pickle():
    value = encode_cookie({7: CartItem(2, True), 9: CartItem(1, False)})
    payload = signing.loads(value, salt=COOKIE_SALT)
    assert payload == {"7": [2, True], "9": [1, False]}
    assert decode_cookie(value) == ({7: CartItem(2, True), 9: CartItem(1, False)}, True)


def test_written_cookie_is_http_only_signed_json(client):
    sku = SKUFactory()
    response = client.post(ADD_URL, {"sku_id": sku.pk, "count": 2}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    morsel = response.cookies["cart"]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert signing.loads(morsel.value, salt=COOKIE_SALT) == {str(sku.pk): [2, True]}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("tampered", id="tampered-signature"),
        pytest.param('{"1":[1,true]}', id="unsigned-json"),
        pytest.param(base64.b64encode(pickle.dumps({1: [1, True]})).decode(), id="pickle"),
        pytest.param(signing.TimestampSigner(salt=COOKIE_SALT).sign("!!not-base64-json!!"), id="signed-not-json"),
        pytest.param(signing.dumps({"1": [1, True]}, salt="another.salt"), id="wrong-salt"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_or_tampered_cookie_is_ignored_and_removed(client, raw):
    sku = SKUFactory()
    if raw == "tampered":
        good = signed_cookie({str(sku.pk): [5, True]})
        raw = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    client.cookies["cart"] = raw
    response = client.get(COUNT_URL)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert deletes_cookie(response)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([[1, True]], id="list-not-object"),
        pytest.param("text", id="string"),
        pytest.param(None, id="null"),
        pytest.param(42, id="number"),
    ],
)
def test_signed_cookie_of_the_wrong_shape_is_ignored(client, payload):
    client.cookies["cart"] = signed_cookie(payload)
    response = client.get(COUNT_URL)
    assert response.json()["count"] == 0
    assert deletes_cookie(response)


def test_bad_entries_are_dropped_and_the_cookie_replaced_by_a_clean_one(client):
    good, other = SKUFactory(), SKUFactory()
    client.cookies["cart"] = signed_cookie(
        {
            str(good.pk): [3, True],
            str(other.pk): [-2, True],  # negative count
            "0": [1, True],  # no such id
            "abc": [1, True],  # key not a number
            "999999": [1, True],  # unknown sku
            "12": [1.5, True],  # not an integer
            "13": [True, True],  # a boolean is not a count
            "14": [1, "yes"],  # selection not a boolean
            "15": [1],  # wrong length
            "16": [1000, True],  # over the per-SKU limit
        }
    )
    response = client.get(COUNT_URL)
    assert response.json()["count"] == 3
    assert cookie_items(response) == {good.pk: CartItem(3, True)}


def test_tampered_cookie_is_replaced_on_add(client):
    old, sku = SKUFactory(), SKUFactory()
    client.cookies["cart"] = signed_cookie({str(old.pk): [4, True]})[:-2] + "zz"
    response = client.post(ADD_URL, {"sku_id": sku.pk, "count": 1}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert cookie_items(response) == {sku.pk: CartItem(1, True)}


def test_clean_cookie_is_not_rewritten_on_read(client):
    sku = SKUFactory()
    client.cookies["cart"] = signed_cookie({str(sku.pk): [2, False]})
    response = client.get(COUNT_URL)
    assert response.json()["count"] == 2
    assert "cart" not in response.cookies


def test_expired_cookie_is_ignored(client, settings):
    sku = SKUFactory()
    settings.CART_COOKIE_MAX_AGE = -1
    client.cookies["cart"] = signed_cookie({str(sku.pk): [2, True]})
    response = client.get(COUNT_URL)
    assert response.json()["count"] == 0


def test_too_many_distinct_items_is_refused_with_nothing_written(client, settings):
    settings.CART_MAX_ITEMS = 3
    skus = SKUFactory.create_batch(4)
    client.cookies["cart"] = signed_cookie({str(s.pk): [1, True] for s in skus[:3]})
    response = client.post(ADD_URL, json.dumps({"sku_id": skus[3].pk}), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_many_items"
    assert "最多只能放 3 种商品" in body["message"]
    assert "cart" not in response.cookies
    # A SKU already in the cart can still get more units.
    response = client.post(ADD_URL, json.dumps({"sku_id": skus[0].pk}), content_type="application/json")
    assert response.status_code == 200
    assert cookie_items(response)[skus[0].pk] == CartItem(2, True)


def test_count_per_sku_limit_is_refused_with_nothing_written(client, settings):
    settings.CART_MAX_COUNT_PER_SKU = 5
    sku = SKUFactory(stock=100)
    client.cookies["cart"] = signed_cookie({str(sku.pk): [4, True]})
    response = client.post(ADD_URL, json.dumps({"sku_id": sku.pk, "count": 2}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "count_over_limit"
    assert "每件商品最多购买 5 件" in response.json()["message"]
    assert "cart" not in response.cookies


def test_cookie_over_the_item_limit_keeps_only_the_limit(client, settings):
    settings.CART_MAX_ITEMS = 2
    skus = SKUFactory.create_batch(3)
    client.cookies["cart"] = signed_cookie({str(s.pk): [1, True] for s in skus})
    response = client.get(COUNT_URL)
    assert response.json()["count"] == 2
    assert len(cookie_items(response)) == 2
