"""The logged-in cart in Redis (SPEC D2): a hash of counts and a set of selected SKUs, limits held under
concurrency, and the two calls orders makes."""

from __future__ import annotations

import threading

import pytest
from django_redis import get_redis_connection

from commerce.cart import services
from commerce.cart.services import CartLine
from commerce.cart.storage import CartItem, RedisCart
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_redis_layout_is_a_hash_of_counts_and_a_selected_set(client):
    user = UserFactory()
    a, b = SKUFactory(), SKUFactory()
    client.force_login(user)
    client.post("/cart/add/", {"sku_id": a.pk, "count": 2}, HTTP_ACCEPT="application/json")
    client.post("/cart/add/", {"sku_id": b.pk, "count": 1}, HTTP_ACCEPT="application/json")
    client.post("/cart/select/", {"sku_id": b.pk, "selected": "false"}, HTTP_ACCEPT="application/json")
    redis = get_redis_connection("default")
    assert redis.hgetall(f"cart:{user.pk}") == {str(a.pk).encode(): b"2", str(b.pk).encode(): b"1"}
    assert redis.smembers(f"cart_selected:{user.pk}") == {str(a.pk).encode()}
    assert "cart" not in client.cookies or not client.cookies["cart"].value


def test_carts_of_two_users_are_separate():
    one, two = UserFactory(), UserFactory()
    sku = SKUFactory()
    services.add_to_cart(cart=RedisCart(one.pk), sku_id=sku.pk, count=3)
    assert RedisCart(two.pk).items() == {}
    assert RedisCart(one.pk).items() == {sku.pk: CartItem(3, True)}


def test_malformed_redis_entries_are_skipped():
    user = UserFactory()
    sku = SKUFactory()
    redis = get_redis_connection("default")
    redis.hset(f"cart:{user.pk}", mapping={sku.pk: 2, "junk": 3, "77": "x", "78": -1})
    assert RedisCart(user.pk).items() == {sku.pk: CartItem(2, False)}
    assert RedisCart(user.pk).total_count() == 2


def _race(target, args_list) -> None:
    barrier = threading.Barrier(len(args_list))

    def run(*args) -> None:
        barrier.wait()
        target(*args)

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_adds_never_pass_the_distinct_item_limit():
    """Twelve requests add twelve different SKUs at once to a cart limited to 5: exactly 5 get in."""
    user = UserFactory()
    results = []

    def add(sku_id: int) -> None:
        results.append(RedisCart(user.pk).add(sku_id, 1, max_count=99, max_items=5).status.name)

    _race(add, [(sku_id,) for sku_id in range(1, 13)])
    assert len(RedisCart(user.pk).items()) == 5
    assert sorted(results).count("OK") == 5
    assert results.count("TOO_MANY_ITEMS") == 7


def test_concurrent_adds_never_pass_the_per_sku_count():
    user = UserFactory()
    sku = SKUFactory(stock=1000)
    _race(lambda: RedisCart(user.pk).add(sku.pk, 7, max_count=99, max_items=50), [()] * 30)
    assert RedisCart(user.pk).items()[sku.pk].count == 98  # 14 adds of 7 fit under 99, the rest were refused


def test_list_selected_lines_and_remove_lines_for_orders():
    user = UserFactory()
    a, b, c = SKUFactory(), SKUFactory(), SKUFactory()
    cart = RedisCart(user.pk)
    services.add_to_cart(cart=cart, sku_id=a.pk, count=2)
    services.add_to_cart(cart=cart, sku_id=b.pk, count=1)
    services.add_to_cart(cart=cart, sku_id=c.pk, count=4)
    services.set_selected(cart=cart, sku_ids=[b.pk], selected=False)

    assert services.list_selected_lines(user_id=user.pk) == [CartLine(a.pk, 2), CartLine(c.pk, 4)]

    services.remove_lines(user_id=user.pk, sku_ids=[a.pk, c.pk, 999999])
    assert RedisCart(user.pk).items() == {b.pk: CartItem(1, False)}
    assert services.list_selected_lines(user_id=user.pk) == []
    assert not get_redis_connection("default").sismember(f"cart_selected:{user.pk}", a.pk)
