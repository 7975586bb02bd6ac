"""Fixtures for flash-sale tests: Beijing areas (for addresses), shoppers with a default address, sales."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.flashsales.models import FlashSale
from tests.factories import AddressFactory, SKUFactory, UserFactory, ensure_beijing_areas


@pytest.fixture(autouse=True)
def _beijing_areas(db):
    ensure_beijing_areas()


@pytest.fixture(autouse=True)
def _fresh_web_process_memory():
    """What a web process remembers per sale id (sold out, presses at the gate, units left) starts empty: an
    earlier test's sale may have had the same id."""
    from commerce.flashsales import fast_http, gate

    for memory in (gate._sold_out_until, fast_http._in_flight, fast_http._parked, fast_http._units_left):
        memory.clear()


def shopper(**kwargs):
    """A shopper whose default address is set (flash orders go there)."""
    user = UserFactory(**kwargs)
    address = AddressFactory(user=user)
    user.default_address = address
    user.save(update_fields=["default_address"])
    return user


def make_sale(*, quantity=10, limit=1, stock=100, price="1999.00", sale_price="99.00", start=-60, end=3600, sku=None):
    """A scheduled sale of a fresh SKU, its window `start`..`end` seconds from now."""
    now = timezone.now()
    sku = sku or SKUFactory(stock=stock, price=Decimal(price))
    return FlashSale.objects.create(
        name="整点秒杀",
        sku=sku,
        sale_price=Decimal(sale_price),
        quantity=quantity,
        per_user_limit=limit,
        starts_at=now + timedelta(seconds=start),
        ends_at=now + timedelta(seconds=end),
    )
