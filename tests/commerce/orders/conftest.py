"""Fixtures for order tests: a shopper with an address and a filled cart (threads: tests.support.run_in_threads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF
from commerce.cart.storage import RedisCart
from tests.factories import ensure_beijing_areas


@pytest.fixture(autouse=True)
def _beijing_areas(db):
    """The three areas AddressFactory points at (a transactional test's flush removes migration data)."""
    ensure_beijing_areas()


@pytest.fixture
def clerk(db):
    from tests.commerce.orders.admin_support import staff_client  # it imports the payments conftest, which imports this

    return staff_client(ORDER_STAFF, "clerk")


@pytest.fixture
def editor(db):
    from tests.commerce.orders.admin_support import staff_client

    return staff_client(CONTENT_EDITORS, "editor")


def put_in_cart(user, sku, count: int = 1, *, selected: bool = True) -> None:
    """Write a line straight into the user's Redis cart, as the cart app stores it."""
    cart = RedisCart(user.pk)
    cart.redis.hset(cart.key, sku.pk, count)
    if selected:
        cart.redis.sadd(cart.selected_key, sku.pk)
    else:
        cart.redis.srem(cart.selected_key, sku.pk)


def place_alipay_order_of_cart(user, address, **kwargs):
    """place_order as checkout calls it: the selected cart lines, Alipay, a fresh one-time token."""
    from commerce.orders import tokens
    from commerce.orders.models import PayMethod
    from commerce.orders.services import place_order

    return place_order(
        user=user,
        address_id=address.pk,
        pay_method=PayMethod.ALIPAY,
        token=tokens.issue_token(user_id=user.pk),
        **kwargs,
    )


def cart_of(user) -> dict[int, int]:
    return {sku_id: item.count for sku_id, item in RedisCart(user.pk).items().items()}


def age_order(order, seconds: int) -> None:
    """Pretend `order` was placed `seconds` ago."""
    from commerce.orders.models import Order

    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
