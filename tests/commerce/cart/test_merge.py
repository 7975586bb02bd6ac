"""Merge on login (SPEC D4): the cookie cart goes into the user's Redis cart (cookie count and selection
win for the same SKU) and the cookie is cleared, whichever login path called `django.contrib.auth.login`."""

from __future__ import annotations

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse
from django.urls import reverse

from commerce.cart.middleware import CartCookieMiddleware
from commerce.cart.storage import CartItem, RedisCart
from tests.factories import SKUFactory, UserFactory

from .conftest import signed_cookie

pytestmark = pytest.mark.django_db


def log_in_through_the_stack(rf, user, cookie: str | None) -> HttpResponse:
    """A login request as a login view sees it: Django's `login()` inside the cart middleware."""
    request = rf.post("/accounts/login/")
    if cookie is not None:
        request.COOKIES["cart"] = cookie
    request.session = SessionStore()

    def view(req):
        login(req, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponse("ok")

    return CartCookieMiddleware(view)(request)


def test_cookie_wins_on_conflict_and_other_redis_lines_stay(rf):
    user = UserFactory()
    both_selected, both_unselected, redis_only, cookie_only = SKUFactory.create_batch(4)
    redis = RedisCart(user.pk)
    redis.add(both_selected.pk, 5, max_count=99, max_items=50)
    redis.add(both_unselected.pk, 1, max_count=99, max_items=50)
    redis.add(redis_only.pk, 2, max_count=99, max_items=50)
    redis.set_selected([redis_only.pk], False)

    cookie = signed_cookie(
        {
            str(both_selected.pk): [2, True],  # count from the cookie, not 5 + 2
            str(both_unselected.pk): [3, False],  # unticked in the cookie: unticked after the merge
            str(cookie_only.pk): [1, False],
        }
    )
    response = log_in_through_the_stack(rf, user, cookie)

    assert RedisCart(user.pk).items() == {
        both_selected.pk: CartItem(2, True),
        both_unselected.pk: CartItem(3, False),
        redis_only.pk: CartItem(2, False),
        cookie_only.pk: CartItem(1, False),
    }
    morsel = response.cookies["cart"]
    assert morsel.value == ""
    assert morsel["max-age"] == 0


def test_selection_is_carried_into_redis(rf):
    user = UserFactory()
    a, b = SKUFactory(), SKUFactory()
    log_in_through_the_stack(rf, user, signed_cookie({str(a.pk): [1, True], str(b.pk): [2, False]}))
    assert RedisCart(user.pk).items() == {a.pk: CartItem(1, True), b.pk: CartItem(2, False)}


def test_tampered_cookie_merges_nothing_and_is_cleared(rf):
    user = UserFactory()
    sku = SKUFactory()
    cookie = signed_cookie({str(sku.pk): [3, True]})[:-4] + "XXXX"
    response = log_in_through_the_stack(rf, user, cookie)
    assert RedisCart(user.pk).items() == {}
    assert response.cookies["cart"]["max-age"] == 0


def test_unknown_skus_in_the_cookie_are_not_merged(rf):
    user = UserFactory()
    sku = SKUFactory()
    log_in_through_the_stack(rf, user, signed_cookie({str(sku.pk): [1, True], "987654": [2, True]}))
    assert RedisCart(user.pk).items() == {sku.pk: CartItem(1, True)}


def test_login_without_a_cart_cookie_sets_no_cookie(rf):
    user = UserFactory()
    response = log_in_through_the_stack(rf, user, None)
    assert "cart" not in response.cookies
    assert RedisCart(user.pk).items() == {}


def test_merge_keeps_the_item_limit(rf, settings):
    settings.CART_MAX_ITEMS = 3
    user = UserFactory()
    skus = SKUFactory.create_batch(5)
    for sku in skus[:2]:
        RedisCart(user.pk).add(sku.pk, 1, max_count=99, max_items=3)
    # One SKU already in Redis (overwritten) and three new ones, of which only one fits.
    cookie = signed_cookie({str(skus[0].pk): [4, True], **{str(s.pk): [1, True] for s in skus[2:]}})
    log_in_through_the_stack(rf, user, cookie)
    items = RedisCart(user.pk).items()
    assert len(items) == 3
    assert items[skus[0].pk] == CartItem(4, True)


def test_login_over_http_merges_and_the_next_pages_use_redis(client, rf):
    """Anonymous adds through the real endpoints, then a login on the same browser: the cart follows."""
    user = UserFactory()
    sku = SKUFactory()
    client.post("/cart/add/", {"sku_id": sku.pk, "count": 2}, HTTP_ACCEPT="application/json")
    response = log_in_through_the_stack(rf, user, client.cookies["cart"].value)
    assert response.cookies["cart"]["max-age"] == 0
    client.force_login(user)
    client.cookies.pop("cart")
    assert client.get("/cart/count/").json()["count"] == 2


def test_password_login_through_the_real_login_view_merges_the_cart(client):
    """The shop's password login (allauth) ends in django's login(): the signal merges, the cookie goes."""
    user = UserFactory()
    sku, kept = SKUFactory(), SKUFactory()
    RedisCart(user.pk).add(kept.pk, 1, max_count=99, max_items=50)
    client.post("/cart/add/", {"sku_id": sku.pk, "count": 2}, HTTP_ACCEPT="application/json")
    assert client.cookies["cart"].value

    response = client.post(reverse("account_login"), {"login": user.username, "password": "meihao-pass-1"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.cookies["cart"].value == ""
    assert response.cookies["cart"]["max-age"] == 0
    assert RedisCart(user.pk).items() == {sku.pk: CartItem(2, True), kept.pk: CartItem(1, True)}
    assert client.get("/cart/count/").json()["count"] == 3
