"""place_order (SPEC E3): one transaction, snapshots, stock by conditional update, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.catalog.models import SKU
from commerce.orders import tokens
from commerce.orders.errors import (
    AddressNotFound,
    EmptySelection,
    InsufficientStock,
    OrderTokenInvalid,
    SKUUnavailable,
    StaleTotal,
)
from commerce.orders.models import Order, OrderLine, OrderStatus, PayMethod
from commerce.orders.services import place_order
from tests.commerce.orders.conftest import cart_of, put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    user = UserFactory()
    address = AddressFactory(user=user, receiver="李四", place="王府井大街 8 号", mobile="13912345678")
    return user, address


def _place(user, address, **kwargs):
    kwargs.setdefault("pay_method", PayMethod.ALIPAY)
    kwargs.setdefault("token", tokens.issue_token(user_id=user.pk))
    return place_order(user=user, address_id=address.pk, **kwargs)


def test_place_order_snapshots_prices_and_address_and_moves_stock(shopper, django_capture_on_commit_callbacks):
    user, address = shopper
    phone = SKUFactory(name="美好手机 8G", price=Decimal("1999.00"), stock=5, sales=1)
    case = SKUFactory(name="手机壳", price=Decimal("29.90"), stock=10)
    put_in_cart(user, phone, 2)
    put_in_cart(user, case, 3)
    other = SKUFactory(stock=4)
    put_in_cart(user, other, 1, selected=False)

    with django_capture_on_commit_callbacks(execute=True):
        order = _place(user, address)

    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID
    assert order.user == user
    assert order.order_id.startswith(order.created_at.astimezone().strftime("%Y%m%d")[:4])
    assert f"{user.pk:09d}" in order.order_id
    assert (order.receiver, order.mobile) == ("李四", "13912345678")
    assert "王府井大街 8 号" in order.full_address and "北京市" in order.full_address
    assert order.total_count == 5
    assert order.total_amount == Decimal("4087.70")
    assert order.freight == Decimal("0.00")  # 满99包邮 (the default FreightRule)
    assert order.pay_amount == Decimal("4087.70")
    lines = {line.sku_id: line for line in OrderLine.objects.filter(order=order)}
    assert lines[phone.pk].price == Decimal("1999.00") and lines[phone.pk].sku_name == "美好手机 8G"
    assert lines[case.pk].count == 3
    phone.refresh_from_db(), case.refresh_from_db()
    assert (phone.stock, phone.sales) == (3, 3)
    assert (case.stock, case.sales) == (7, 3)
    # The bought lines left the cart, the unselected one stayed.
    assert cart_of(user) == {other.pk: 1}

    # A later price change does not rewrite the order.
    SKU.objects.filter(pk=phone.pk).update(price=Decimal("1.00"))
    assert OrderLine.objects.get(order=order, sku=phone).price == Decimal("1999.00")


def test_cash_on_delivery_order_starts_at_to_ship(shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(stock=3))
    order = _place(user, address, pay_method=PayMethod.CASH)
    assert order.status == OrderStatus.TO_SHIP


def test_place_order_with_too_little_stock_names_the_item_and_writes_nothing(shopper):
    user, address = shopper
    plenty = SKUFactory(stock=10)
    scarce = SKUFactory(name="限量球鞋", stock=1)
    put_in_cart(user, plenty, 2)
    put_in_cart(user, scarce, 2)
    with pytest.raises(InsufficientStock) as caught:
        _place(user, address)
    assert "限量球鞋" in caught.value.message and "仅剩 1 件" in caught.value.message
    assert (caught.value.wanted, caught.value.left) == (2, 1)
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert SKU.objects.get(pk=plenty.pk).stock == 10  # the first line's stock update was rolled back
    assert cart_of(user) == {plenty.pk: 2, scarce.pk: 2}


def test_another_users_address_is_refused(shopper):
    user, _ = shopper
    stranger_address = AddressFactory()
    sku = SKUFactory(stock=3)
    put_in_cart(user, sku)
    with pytest.raises(AddressNotFound):
        _place(user, stranger_address)
    assert Order.objects.count() == 0 and SKU.objects.get(pk=sku.pk).stock == 3


def test_deleted_address_is_refused(shopper):
    user, address = shopper
    address.is_deleted = True
    address.save()
    put_in_cart(user, SKUFactory())
    with pytest.raises(AddressNotFound):
        _place(user, address)


@pytest.mark.parametrize("launched", [False, None])
def test_unlaunched_or_unknown_sku_in_cart_is_refused(shopper, launched):
    user, address = shopper
    good = SKUFactory(stock=3)
    put_in_cart(user, good)
    if launched is None:
        bad_id = SKU.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
        put_in_cart(user, SKU(pk=bad_id))  # an id no SKU has
    else:
        bad = SKUFactory(name="下架商品", is_launched=False)
        put_in_cart(user, bad)
    with pytest.raises(SKUUnavailable) as caught:
        _place(user, address)
    if launched is False:
        assert "下架商品" in caught.value.message
    assert Order.objects.count() == 0 and SKU.objects.get(pk=good.pk).stock == 3


def test_empty_selection_is_refused(shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(), selected=False)
    with pytest.raises(EmptySelection):
        _place(user, address)


def test_stale_page_total_is_refused_and_nothing_written(shopper):
    user, address = shopper
    sku = SKUFactory(price=Decimal("100.00"), stock=3)
    put_in_cart(user, sku)
    # The page showed 100.00 (满99包邮); the editor raised the price meanwhile.
    SKU.objects.filter(pk=sku.pk).update(price=Decimal("120.00"))
    with pytest.raises(StaleTotal) as caught:
        _place(user, address, expected_total=Decimal("100.00"))
    assert "刷新" in caught.value.message
    assert Order.objects.count() == 0 and SKU.objects.get(pk=sku.pk).stock == 3
    order = _place(user, address, expected_total=Decimal("120.00"))
    assert order.pay_amount == Decimal("120.00")


def test_same_token_twice_gives_the_same_order(shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory(stock=5), 2)
    token = tokens.issue_token(user_id=user.pk)
    first = _place(user, address, token=token)
    tokens.mark_done(user_id=user.pk, token=token, order_id=first.pk)  # on_commit does this outside tests
    second = _place(user, address, token=token)
    assert second.pk == first.pk
    assert Order.objects.count() == 1


def test_unknown_token_is_refused(shopper):
    user, address = shopper
    put_in_cart(user, SKUFactory())
    with pytest.raises(OrderTokenInvalid):
        _place(user, address, token="x" * 32)
    other = UserFactory()
    foreign_token = tokens.issue_token(user_id=other.pk)
    with pytest.raises(OrderTokenInvalid):
        _place(user, address, token=foreign_token)


def test_failed_placement_gives_the_token_back(shopper):
    user, address = shopper
    sku = SKUFactory(stock=1)
    put_in_cart(user, sku, 2)
    token = tokens.issue_token(user_id=user.pk)
    with pytest.raises(InsufficientStock):
        _place(user, address, token=token)
    put_in_cart(user, sku, 1)
    assert _place(user, address, token=token).total_count == 1
