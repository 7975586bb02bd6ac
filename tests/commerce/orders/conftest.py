"""Fixtures for order tests: a shopper with an address and a filled cart, and a runner that fires real
threads at the database (each with its own connection, closed at the end)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from commerce.cart.storage import RedisCart


@pytest.fixture(autouse=True)
def _beijing_areas(db):
    """The three areas AddressFactory points at (a transactional test's flush removes migration data)."""
    from commerce.accounts.models import Area

    Area.objects.get_or_create(id=11, defaults={"name": "北京市"})
    Area.objects.get_or_create(id=1101, defaults={"name": "市辖区", "parent_id": 11})
    Area.objects.get_or_create(id=110101, defaults={"name": "东城区", "parent_id": 1101})


def put_in_cart(user, sku, count: int = 1, *, selected: bool = True) -> None:
    """Write a line straight into the user's Redis cart, as the cart app stores it."""
    cart = RedisCart(user.pk)
    cart.redis.hset(cart.key, sku.pk, count)
    if selected:
        cart.redis.sadd(cart.selected_key, sku.pk)
    else:
        cart.redis.srem(cart.selected_key, sku.pk)


def cart_of(user) -> dict[int, int]:
    return {sku_id: item.count for sku_id, item in RedisCart(user.pk).items().items()}


def run_in_threads(fn: Callable[[int], object], n: int, *, timeout: float = 120) -> list[tuple[str, object]]:
    """Run fn(i) for i in range(n) in n threads released at once; returns [("ok"|"err", value)] in order."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, object] | None] = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", fn(i))
        except BaseException as error:  # collected and asserted by the test
            results[i] = ("err", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results  # type: ignore[return-value]


def age_order(order, seconds: int) -> None:
    """Pretend `order` was placed `seconds` ago."""
    from commerce.orders.models import Order

    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
