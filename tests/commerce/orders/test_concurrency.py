"""Orders under real concurrency (SPEC E2, E3, E5, E8): threads with their own database connections.

Run on SQLite (IMMEDIATE transactions) by default and on PostgreSQL with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/meihao_orders.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.orders import tokens
from commerce.orders.errors import CouponAlreadyClaimed, CouponSoldOut, InsufficientStock, OrderStateError
from commerce.orders.models import Coupon, Order, OrderLine, OrderStatus, PayMethod, PointsLedger, UserCoupon
from commerce.orders.services import cancel_order, claim_coupon, mark_paid, place_order
from tests.commerce.orders.conftest import place_alipay_order_of_cart, put_in_cart
from tests.factories import AddressFactory, CouponFactory, SKUFactory, UserFactory
from tests.support import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)

SHOPPERS = 24


def _shoppers(n: int):
    users = [UserFactory() for _ in range(n)]
    return [(user, AddressFactory(user=user)) for user in users]


def test_no_oversell_when_many_shoppers_race_for_the_last_units():
    last_units = 5
    sku = SKUFactory(name="秒杀手机", stock=last_units, sales=100, price=Decimal("999.00"))
    shoppers = _shoppers(SHOPPERS)
    for user, _ in shoppers:
        put_in_cart(user, sku, 1)
    page_tokens = [tokens.issue_token(user_id=user.pk) for user, _ in shoppers]

    def buy(i: int):
        user, address = shoppers[i]
        return place_order(user=user, address_id=address.pk, pay_method=PayMethod.CASH, token=page_tokens[i])

    results = run_in_threads(buy, SHOPPERS)

    won = [value for kind, value in results if kind == "ok"]
    lost = [value for kind, value in results if kind == "err"]
    assert len(won) == last_units
    assert len(lost) == SHOPPERS - last_units
    assert all(isinstance(error, InsufficientStock) for error in lost), lost
    assert all("秒杀手机" in error.message for error in lost)
    sku.refresh_from_db()
    assert sku.stock == 0
    assert sku.sales == 100 + last_units
    assert Order.objects.count() == last_units
    assert sum(OrderLine.objects.values_list("count", flat=True)) == last_units


def test_multi_item_orders_in_any_cart_order_never_deadlock_or_oversell():
    a = SKUFactory(name="A", stock=6)
    b = SKUFactory(name="B", stock=9)
    shoppers = _shoppers(SHOPPERS)
    for i, (user, _) in enumerate(shoppers):
        # Half the carts were filled B-then-A; placement still locks in SKU id order.
        first, second = (a, b) if i % 2 else (b, a)
        put_in_cart(user, first, 1)
        put_in_cart(user, second, 2 if first is b else 1)
    page_tokens = [tokens.issue_token(user_id=user.pk) for user, _ in shoppers]

    def buy(i: int):
        user, address = shoppers[i]
        return place_order(user=user, address_id=address.pk, pay_method=PayMethod.CASH, token=page_tokens[i])

    results = run_in_threads(buy, SHOPPERS)
    errors = [value for kind, value in results if kind == "err"]
    assert all(isinstance(error, InsufficientStock) for error in errors), errors
    a.refresh_from_db(), b.refresh_from_db()
    sold_a = sum(OrderLine.objects.filter(sku=a).values_list("count", flat=True))
    sold_b = sum(OrderLine.objects.filter(sku=b).values_list("count", flat=True))
    assert a.stock == 6 - sold_a >= 0 and a.sales == sold_a
    assert b.stock == 9 - sold_b >= 0 and b.sales == sold_b
    assert len(results) - len(errors) == Order.objects.count() > 0


def test_same_order_token_from_two_threads_at_once_gives_one_order():
    user = UserFactory()
    address = AddressFactory(user=user)
    sku = SKUFactory(stock=10)
    put_in_cart(user, sku, 2)
    token = tokens.issue_token(user_id=user.pk)

    def submit(_i: int):
        return place_order(user=user, address_id=address.pk, pay_method=PayMethod.ALIPAY, token=token).pk

    results = run_in_threads(submit, 2)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert results[0][1] == results[1][1]
    assert Order.objects.count() == 1
    sku.refresh_from_db()
    assert (sku.stock, sku.sales) == (8, 2)


def test_many_duplicate_submits_of_one_page_give_one_order():
    user = UserFactory()
    address = AddressFactory(user=user)
    put_in_cart(user, SKUFactory(stock=10), 1)
    token = tokens.issue_token(user_id=user.pk)
    results = run_in_threads(
        lambda _i: place_order(user=user, address_id=address.pk, pay_method=PayMethod.CASH, token=token).pk, 8
    )
    assert {value for _, value in results} == {Order.objects.get().pk}


def _unpaid_order(stock_after: int = 4):
    user = UserFactory()
    address = AddressFactory(user=user)
    sku = SKUFactory(stock=stock_after + 1)
    put_in_cart(user, sku, 1)
    order = place_order(
        user=user, address_id=address.pk, pay_method=PayMethod.ALIPAY, token=tokens.issue_token(user_id=user.pk)
    )
    return order, sku


@pytest.mark.parametrize("round_", range(6))
def test_pay_and_cancel_racing_have_exactly_one_winner(round_):
    order, sku = _unpaid_order(stock_after=4)

    def act(i: int):
        if i % 2 == 0:
            return ("paid", mark_paid(order_id=order.pk, trade_no=f"T{round_}", amount=order.pay_amount).status)
        return ("cancelled", cancel_order(order_id=order.pk, reason="超时未支付").status)

    results = run_in_threads(act, 2)
    winners = [value for kind, value in results if kind == "ok"]
    losers = [value for kind, value in results if kind == "err"]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], OrderStateError)
    order.refresh_from_db()
    sku.refresh_from_db()
    if winners[0][0] == "paid":
        assert order.status == OrderStatus.TO_SHIP and order.paid_at is not None
        assert (sku.stock, sku.sales) == (4, 1)  # not restored
    else:
        assert order.status == OrderStatus.CANCELED
        assert (sku.stock, sku.sales) == (5, 0)  # restored exactly once


def test_many_cancellers_restore_stock_coupon_and_points_once():
    from tests.factories import give_points

    user = UserFactory()
    address = AddressFactory(user=user)
    sku = SKUFactory(stock=3, price=Decimal("200.00"))
    put_in_cart(user, sku, 1)
    user_coupon = claim_coupon(user=user, coupon_id=CouponFactory().pk)
    give_points(user, 1000)
    order = place_alipay_order_of_cart(user, address, coupon_id=user_coupon.pk, points=500)
    assert order.pay_amount == Decimal("200.00") - Decimal("10.00") - Decimal("5.00")  # 满99包邮

    results = run_in_threads(lambda _i: cancel_order(order_id=order.pk, reason="并发取消"), 6)
    assert sum(kind == "ok" for kind, _ in results) == 1
    sku.refresh_from_db()
    assert (sku.stock, sku.sales) == (3, 0)
    assert UserCoupon.objects.get(pk=user_coupon.pk).used_order_id is None
    from commerce.orders.models import PointsAccount

    assert PointsAccount.objects.get(user=user).balance == 1000
    assert PointsLedger.objects.filter(order=order, reason="refund_order").count() == 1


def test_coupon_claims_racing_for_the_last_coupons_never_over_issue():
    coupon = CouponFactory(total=3)
    users = [UserFactory() for _ in range(SHOPPERS)]
    results = run_in_threads(lambda i: claim_coupon(user=users[i], coupon_id=coupon.pk).pk, SHOPPERS)
    assert sum(kind == "ok" for kind, _ in results) == 3
    assert all(isinstance(v, CouponSoldOut) for kind, v in results if kind == "err")
    coupon.refresh_from_db()
    assert coupon.issued == 3
    assert UserCoupon.objects.filter(coupon=coupon).count() == 3


def test_one_shopper_claiming_twice_at_once_gets_one_coupon():
    coupon = CouponFactory(total=10)
    user = UserFactory()
    results = run_in_threads(lambda _i: claim_coupon(user=user, coupon_id=coupon.pk).pk, 6)
    assert sum(kind == "ok" for kind, _ in results) == 1
    assert all(isinstance(v, CouponAlreadyClaimed) for kind, v in results if kind == "err")
    coupon.refresh_from_db()
    assert coupon.issued == 1
    assert Coupon.objects.get(pk=coupon.pk).remaining == 9
