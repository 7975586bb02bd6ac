"""Bad input a shopper's client can send (issue 11): never a 500, never a row written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from commerce.cart.storage import COOKIE_SALT
from tests.factories import SKUFactory, UserFactory

DEEP = b"[" * 3000 + b"]" * 3000
DEEP_OBJECT = b'{"sku_id":' + b"[" * 3000 + b"]" * 3000 + b"}"

CART_ENDPOINTS = ["/cart/add/", "/cart/update/", "/cart/select/", "/cart/select-all/", "/cart/delete/"]


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("url", CART_ENDPOINTS)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
@pytest.mark.parametrize("logged_in", [False, True])
def test_deeply_nested_json_on_cart_endpoints_is_a_400(url, body, logged_in):
    client = _client()
    if logged_in:
        client.force_login(UserFactory())
    response = client.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["ok"] is False


@pytest.mark.django_db
def test_deeply_nested_json_in_a_validly_signed_cart_cookie_is_ignored():
    sku = SKUFactory(price=10, market_price=12, cost_price=5, stock=5)
    client = _client()
    # The signer serializes with json.dumps, which itself refuses 5,000 levels: sign the raw text instead.
    raw = signing.TimestampSigner(salt=COOKIE_SALT).sign(signing.b64_encode(b"[" * 5000 + b"]" * 5000).decode())
    client.cookies[settings.CART_COOKIE_NAME] = raw
    response = client.get("/cart/lines/")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    response = client.post("/cart/add/", {"sku_id": sku.pk, "count": 1}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_on_browse_histories_is_a_400(body):
    client = _client()
    client.force_login(UserFactory())
    response = client.post("/browse_histories/", body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_deeply_nested_json_on_order_comment_is_a_400(body):
    client = _client()
    client.force_login(UserFactory())
    response = client.post(
        "/orders/20260101000000000001/comment/", body, content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_post_without_trailing_slash_under_debug_is_not_a_500(settings):
    settings.DEBUG = True
    response = _client().post("/cart/add", {"sku_id": "1"})
    assert response.status_code < 500


@pytest.fixture
def debug_urls(settings):
    """DEBUG on and the URLconf rebuilt under it (the media route exists only with DEBUG or SERVE_MEDIA)."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.DEBUG = True
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)  # as under `make run`
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["a" * 3000, "a/" * 2000, "x%00y.png"])
def test_odd_media_names_under_debug_are_a_404(debug_urls, name):
    response = _client().get("/media/" + name)
    assert response.status_code == 404
