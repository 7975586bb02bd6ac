"""The state machine refuses illegal moves (E4); points are earned once on finish and every change is
recorded (E8); the checkout arithmetic (E1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.orders import tokens
from commerce.orders.errors import OrderStateError, PointsOverCap
from commerce.orders.models import Order, OrderStatus, PayMethod, PointsLedger
from commerce.orders.pricing import PricedLine, points_cap, quote
from commerce.orders.selectors import get_points_balance
from commerce.orders.services import complete_order, confirm_receipt, mark_paid, place_order, ship_order
from commerce.orders.states import TRANSITIONS, transition
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory, give_points

pytestmark = pytest.mark.django_db


def _order(pay_method=PayMethod.ALIPAY, price=Decimal("99.50")):
    user = UserFactory()
    put_in_cart(user, SKUFactory(price=price, stock=5))
    return place_order(
        user=user,
        address_id=AddressFactory(user=user).pk,
        pay_method=pay_method,
        token=tokens.issue_token(user_id=user.pk),
    )


def test_every_status_has_a_row_and_final_states_go_nowhere():
    assert set(TRANSITIONS) == set(OrderStatus.values)
    assert TRANSITIONS[OrderStatus.FINISHED] == {} and TRANSITIONS[OrderStatus.CANCELED] == {}


def test_illegal_transition_is_refused_and_changes_nothing():
    order = _order()
    with pytest.raises(OrderStateError) as caught:
        transition(order, OrderStatus.FINISHED, reason="skip ahead")
    assert caught.value.code == "illegal_transition"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID


def test_transition_from_a_stale_status_loses():
    order = _order()
    stale = Order.objects.get(pk=order.pk)
    mark_paid(order_id=order.pk)
    with pytest.raises(OrderStateError) as caught:
        transition(stale, OrderStatus.CANCELED, reason="late cancel")
    assert caught.value.code == "state_changed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP


def test_payment_with_the_wrong_amount_is_refused():
    order = _order()
    with pytest.raises(OrderStateError):
        mark_paid(order_id=order.pk, amount=Decimal("0.01"))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.UNPAID


def test_full_life_cycle_earns_points_once():
    order = _order(price=Decimal("89.50"))  # pays 99.50 (below 满99包邮: ¥10 freight)
    mark_paid(order_id=order.pk, trade_no="T1", amount=order.pay_amount)
    ship_order(order_id=order.pk)
    confirm_receipt(order_id=order.pk, user=order.user)
    complete_order(order_id=order.pk)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FINISHED
    assert get_points_balance(user_id=order.user_id) == 99
    with pytest.raises(OrderStateError):
        complete_order(order_id=order.pk)
    assert PointsLedger.objects.filter(order=order, reason="earn_order").count() == 1
    entry = PointsLedger.objects.get(order=order)
    assert (entry.delta, entry.balance_after) == (99, 99)


def test_ledger_records_every_change_with_the_balance_after():
    user = UserFactory()
    give_points(user, 300)
    give_points(user, -100)
    assert list(PointsLedger.objects.filter(user=user).order_by("id").values_list("delta", "balance_after")) == [
        (300, 300),
        (-100, 200),
    ]


def test_points_are_capped_at_half_the_goods_amount(settings):
    settings.POINTS_PER_YUAN = 100
    settings.POINTS_MAX_RATIO = Decimal("0.5")
    assert points_cap(Decimal("99.99"), 10**9) == 4999
    assert points_cap(Decimal("99.99"), 1000) == 1000
    sku = SKUFactory.build(price=Decimal("40.00"))
    amounts = quote(lines=[PricedLine(sku=sku, count=1)], points=2000, points_balance=5000, now=None)
    assert amounts.points_amount == Decimal("20.00") and amounts.pay_amount == Decimal("30.00")
    with pytest.raises(PointsOverCap):
        quote(lines=[PricedLine(sku=sku, count=1)], points=2001, points_balance=5000, now=None)
