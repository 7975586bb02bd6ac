"""The order state machine (SPEC E4): every status change of an order goes through `transition`.

    UNPAID ──pay──> TO_SHIP ──ship──> TO_RECEIVE ──receive──> TO_REVIEW ──comment all──> FINISHED
      │               │
      └──cancel──> CANCELED <──cancel (cash on delivery before shipping, or operator with refund)

Cash on delivery orders are born TO_SHIP (`initial_status`). A transition is one conditional UPDATE
(`WHERE order_id = ... AND status = <from>`), so of two racing transitions on one order (pay vs timeout
cancel, two cancellers) exactly one updates the row and the other gets `OrderStateError`. The caller runs
the transition first inside its transaction and does its side effects (restore stock, award points) only
when it won, which makes those effects happen exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce import live
from commerce.orders.errors import OrderErrorCode, OrderStateError
from commerce.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus, PayMethod

logger = logging.getLogger(__name__)

S = OrderStatus

#: from-status -> {to-status: timestamp field set by that transition (or None)}
TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.UNPAID: {S.TO_SHIP: "paid_at", S.CANCELED: "canceled_at"},
    S.TO_SHIP: {S.TO_RECEIVE: "shipped_at", S.CANCELED: "canceled_at"},
    S.TO_RECEIVE: {S.TO_REVIEW: "received_at"},
    S.TO_REVIEW: {S.FINISHED: "finished_at"},
    S.FINISHED: {},
    S.CANCELED: {},
}


def shopper_cancellable_from(order: Order) -> set[str]:
    """A shopper may cancel before paying, and a cash-on-delivery order until it ships (nothing was paid)."""
    return {S.UNPAID, S.TO_SHIP} if order.pay_method == PayMethod.CASH else {S.UNPAID}


def initial_status(pay_method: str) -> str:
    """Cash on delivery goes straight to "to ship"; online payment waits for the money."""
    return S.TO_SHIP if pay_method == PayMethod.CASH else S.UNPAID


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, {})


def transition(
    order: Order,
    to: str,
    *,
    reason: str,
    allowed_from: Iterable[str] | None = None,
    extra: dict | None = None,
    actor=None,
    note: str = "",
) -> Order:
    """Move `order` from its current (loaded) status to `to` with one conditional UPDATE.

    `allowed_from` narrows the legal sources further (e.g. the timeout cancels UNPAID only). Updates `order`
    in place and returns it, and writes the move on the order's timeline (`OrderEvent`, with `actor` and
    `note`) in the same transaction. Raises OrderStateError (nothing changed) when the move is illegal or when
    the row's status is no longer what `order` says, i.e. someone else changed it first.
    """
    current = order.status
    sources = set(allowed_from) if allowed_from is not None else None
    if not can_transition(current, to) or (sources is not None and current not in sources):
        raise OrderStateError(
            _("订单当前状态为“%(current)s”，不能变为“%(to)s”") % {"current": S(current).label, "to": S(to).label},
            code=OrderErrorCode.ILLEGAL_TRANSITION,
            order_id=order.pk,
            status=current,
        )
    now = timezone.now()
    changes = {"status": to, "updated_at": now, **(extra or {})}
    stamp = TRANSITIONS[current][to]
    if stamp:
        changes[stamp] = now
    updated = Order.objects.filter(pk=order.pk, status=current).update(**changes)
    if updated != 1:
        fresh = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
        label = S(fresh).label if fresh else _("不存在")
        raise OrderStateError(
            _("订单状态已变为“%(status)s”，无法执行该操作") % {"status": label},
            code=OrderErrorCode.STATE_CHANGED,
            order_id=order.pk,
            status=fresh or "",
        )
    for field, value in changes.items():
        setattr(order, field, value)
    OrderEvent.objects.create(
        order_id=order.pk,
        kind=_event_kind(current, to),
        from_status=current,
        to_status=to,
        message=note[:300],
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    logger.info("order %s: %s -> %s (%s)", order.pk, current, to, reason)
    order_id = order.pk  # a lambda, not a partial: Django 5.2 logs failed robust hooks by __qualname__
    transaction.on_commit(lambda: announce_status(order_id), robust=True)
    return order


def _event_kind(current: str, to: str) -> str:
    if current == S.UNPAID and to == S.TO_SHIP:
        return OrderEventKind.PAYMENT
    if to == S.TO_RECEIVE:
        return OrderEventKind.SHIPMENT
    return OrderEventKind.STATUS


def announce_status(order_id: str) -> None:
    """After commit: push the order's committed status to its owner's open pages (SPEC G3, /ws/orders/<id>/).

    Reads the status again, so pages converge on the latest one even when two changes publish out of order.
    """
    status = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if status is not None:
        live.announce(live.order_status_changed, order_id=order_id, status=status)
