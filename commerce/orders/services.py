"""Order services (SPEC E2-E6, E8): place, pay, ship, receive, finish, cancel and expire orders.

Guarantees, whatever the concurrency:
- `place_order` writes all or nothing in one transaction: stock and sales change by conditional UPDATEs
  (`WHERE stock >= n`) taken in SKU id order, so stock never goes below zero and two orders never
  deadlock; the hot SKU rows are touched last to keep their row locks short.
- Every status change goes through `states.transition` (one conditional UPDATE), and the side effects of a
  cancel (stock, sales, coupon, points) run only in the transaction that won it: exactly once.
- Side effects outside the database (cart lines leaving, stock pushes, the timeout message, the token
  answer) run after commit only.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce import sql
from commerce.accounts.selectors import get_address_snapshot
from commerce.cart import services as cart
from commerce.catalog.stock import (
    add_sales,
    get_stock_left,
    give_back_stock,
    load_sku_refs,
    queue_stock_announcements,
    send_stock_announcements,
    take_stock,
)
from commerce.orders import jobs, placement, tokens
from commerce.orders.errors import (
    AddressNotFound,
    CouponAlreadyClaimed,
    CouponExpired,
    CouponNotApplicable,
    CouponNotFound,
    CouponSoldOut,
    InsufficientPoints,
    InsufficientStock,
    InvalidOrderNote,
    InvalidPayMethod,
    InvalidShipment,
    OrderErrorCode,
    OrderInProgress,
    OrderNotFound,
    OrderStateError,
    OrderTokenInvalid,
    SKUUnavailable,
    StaleTotal,
)
from commerce.orders.models import (
    Carrier,
    Coupon,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    PayMethod,
    PointsAccount,
    PointsLedger,
    PointsReason,
    UserCoupon,
)
from commerce.orders.pricing import points_earned, quote
from commerce.orders.selectors import get_points_balance, price_lines
from commerce.orders.states import initial_status, shopper_cancellable_from, transition

logger = logging.getLogger(__name__)

#: How long a duplicate submit waits for the first one to finish before answering "in progress".
TOKEN_WAIT_SECONDS = 10.0


# --- Reading what is being bought ----------------------------------------------------------------------------


def _load_user_coupon(*, user_id: int, coupon_id: int | None) -> UserCoupon | None:
    if not coupon_id:
        return None
    user_coupon = UserCoupon.objects.select_related("coupon").filter(pk=coupon_id, user_id=user_id).first()
    if user_coupon is None:
        raise CouponNotApplicable("优惠券不存在或不属于您，请重新选择")
    if user_coupon.used_order_id is not None:
        raise CouponNotApplicable("该优惠券已被使用，请重新选择")
    return user_coupon


# --- Placing an order (E2, E3) ---------------------------------------------------------------------------------


def place_order(
    *,
    user,
    address_id: int,
    pay_method: str,
    token: str,
    coupon_id: int | None = None,
    points: int = 0,
    expected_total: Decimal | None = None,
) -> Order:
    """Turn the user's selected cart lines into one order, once per checkout `token`.

    A repeated or simultaneous submit with the same token returns the order the first one placed. Raises a
    CommerceError (AddressNotFound, SKUUnavailable, InsufficientStock, StaleTotal, CouponNotApplicable,
    InsufficientPoints, PointsOverCap, InvalidPayMethod, OrderTokenInvalid, ...) having written nothing.
    """
    if pay_method not in PayMethod.values:
        raise InvalidPayMethod()
    if not tokens.is_well_formed(token):
        raise OrderTokenInvalid()
    deadline = time.monotonic() + TOKEN_WAIT_SECONDS
    while True:
        claim, wanted = _claim_and_read_cart(user_id=user.pk, token=token)
        if claim.order_id:
            return _owned_order(user_id=user.pk, order_id=claim.order_id)
        if claim.claimed:
            break
        existing = Order.objects.filter(user_id=user.pk, token=token).first()
        if existing is not None:  # placed, but the process died before answering in Redis
            return existing
        if not claim.busy:
            raise OrderTokenInvalid()
        if time.monotonic() > deadline:
            raise OrderInProgress()
        time.sleep(0.02)
    try:
        order = _place_with_retry(
            user=user,
            wanted=wanted,
            address_id=address_id,
            pay_method=pay_method,
            token=token,
            coupon_id=coupon_id,
            points=points,
            expected_total=expected_total,
        )
    except BaseException:
        tokens.release(user_id=user.pk, token=token)
        raise
    return order


def _claim_and_read_cart(*, user_id: int, token: str) -> tuple[tokens.Claim, dict[int, int]]:
    """Claim the token and read the selected cart lines in one Redis round trip.

    The cart is read right after the claim (a pipeline runs its commands in order); it is only used when
    the claim succeeded, i.e. by the one submit that places the order.
    """
    pipe = tokens.redis_client().pipeline(transaction=False)
    tokens.queue_claim(pipe, user_id=user_id, token=token)
    cart.queue_selected_lines(pipe, user_id=user_id)
    claimed, *cart_results = pipe.execute()
    return tokens.parse_claim(claimed), cart.parse_selected_lines(*cart_results)


def _owned_order(*, user_id: int, order_id: str) -> Order:
    order = Order.objects.filter(pk=order_id, user_id=user_id).first()
    if order is None:
        raise OrderNotFound()
    return order


def _place_with_retry(**kwargs) -> Order:
    """Retry once if the generated order number collided (nothing was written by the failed attempt)."""
    for attempt in range(3):
        try:
            return _place(**kwargs)
        except IntegrityError:
            existing = Order.objects.filter(user_id=kwargs["user"].pk, token=kwargs["token"]).first()
            if existing is not None:
                return existing
            if attempt == 2:
                raise
            logger.warning("order number collision for user %s, retrying", kwargs["user"].pk)
    raise AssertionError("unreachable")


def new_order_id(user_id: int, now=None) -> str:
    """Local time stamp (14 digits) + user id (9 digits, zero padded) + microseconds (6 digits)."""
    now = timezone.localtime(now or timezone.now())
    return f"{now:%Y%m%d%H%M%S}{int(user_id):09d}{now.microsecond:06d}"


@transaction.atomic
def _place(
    *,
    user,
    wanted: dict[int, int],
    address_id: int,
    pay_method: str,
    token: str,
    coupon_id: int | None,
    points: int,
    expected_total: Decimal | None,
    unit_prices: dict[int, Decimal] | None = None,
    stock_held: bool = False,
    schedule_timeout: bool = True,
) -> Order:
    """The transaction. SQL on a plain order: address (accounts' selector), SKUs (catalog's), INSERT order,
    INSERT lines (`placement`), UPDATE stock per line (catalog's `take_stock`), then COMMIT; coupon and points
    add their own statements. All on one `commerce.sql.cursor()`."""
    now = timezone.now()
    with sql.cursor() as cursor:
        # 1. Reads and checks: nothing is written until they all pass.
        address = get_address_snapshot(cursor, user_id=user.pk, address_id=address_id)
        if address is None:
            raise AddressNotFound()
        load = partial(load_sku_refs, cursor)
        if unit_prices:  # a promotion's price (flash sale) replaces the SKU's own for these SKUs
            load = partial(_load_at_prices, load, unit_prices)
        lines = price_lines(wanted, load_skus=load)
        user_coupon = _load_user_coupon(user_id=user.pk, coupon_id=coupon_id)
        balance = get_points_balance(user_id=user.pk) if points else 0
        amounts = quote(lines=lines, user_coupon=user_coupon, points=points, points_balance=balance, now=now)
        if expected_total is not None and amounts.pay_amount != expected_total:
            raise StaleTotal(expected=expected_total, actual=amounts.pay_amount)

        # 2. The order and its lines, with snapshots of what the shopper saw.
        order = Order(
            order_id=new_order_id(user.pk, now),
            user=user,
            address_id=address.pk,
            receiver=address.receiver,
            full_address=address.full_address,
            mobile=address.mobile,
            total_count=amounts.total_count,
            total_amount=amounts.goods_amount,
            freight=amounts.freight,
            discount=amounts.discount,
            points_used=amounts.points,
            points_amount=amounts.points_amount,
            pay_amount=amounts.pay_amount,
            pay_method=pay_method,
            status=initial_status(pay_method),
            token=token,
            created_at=now,
        )
        order_lines = [
            OrderLine(
                order_id=order.order_id,
                sku_id=line.sku.pk,
                sku_name=line.sku.name[:50],
                price=line.price,
                count=line.count,
            )
            for line in lines
        ]
        placement.insert_order(cursor, order, order_lines)

        # 3. Per-shopper rows: the coupon and the points (no other shopper contends for them).
        if user_coupon is not None:
            used = UserCoupon.objects.filter(pk=user_coupon.pk, user_id=user.pk, used_order__isnull=True).update(
                used_order=order, used_at=now
            )
            if used != 1:
                raise CouponNotApplicable("该优惠券已被使用，请重新选择")
        if amounts.points:
            _change_points(user_id=user.pk, delta=-amounts.points, reason=PointsReason.SPEND_ORDER, order=order)

        # 4. Stock last, in SKU id order: the hot rows stay locked only until the commit right after. One
        #    conditional UPDATE per line on purpose: a single multi-row UPDATE locks rows in whatever order
        #    the plan visits them, and two multi-item orders could then deadlock.
        for line in lines:  # sorted by sku id in price_lines
            if stock_held:  # the promotion took these units out of the stock already: count the sale only
                add_sales(sku_id=line.sku.pk, count=line.count)
                continue
            if not take_stock(cursor, sku_id=line.sku.pk, count=line.count):
                current = get_stock_left(cursor, line.sku.pk)
                if current is None or not current[1]:
                    raise SKUUnavailable(sku_id=line.sku.pk, name=line.sku.name)
                raise InsufficientStock(line.sku, line.count, current[0])

    # 5. After commit: answer the token, empty the bought cart lines, announce the stock, arm the timeout.
    bought = [] if stock_held else [line.sku.pk for line in lines]  # a promotion's order leaves the cart alone
    # Lambdas, not functools.partial: Django 5.2 logs a failed robust hook by func.__qualname__, which a partial
    # lacks, and the AttributeError would then reach the shopper whose order did commit (e.g. Redis down).
    user_id, order_id = user.pk, order.pk
    transaction.on_commit(
        lambda: _after_commit(user_id=user_id, token=token, order_id=order_id, sku_ids=bought), robust=True
    )
    if order.status == OrderStatus.UNPAID and schedule_timeout:
        transaction.on_commit(lambda: jobs.schedule_timeout(order_id), robust=True)
    return order


def _load_at_prices(load: Callable, prices: dict[int, Decimal], sku_ids: list[int]) -> dict:
    return {pk: dataclasses.replace(sku, price=prices.get(pk, sku.price)) for pk, sku in load(sku_ids).items()}


def place_sale_order(
    *,
    user,
    sku_id: int,
    count: int,
    unit_price: Decimal,
    address_id: int,
    token: str,
    pay_method: str = PayMethod.ALIPAY,
) -> Order:
    """An order for `count` units of `sku_id` at a promotion's `unit_price` whose units the promotion already
    holds (flash sales): the same placement as `place_order` (address, checks, snapshots, sales, timeout),
    without the cart and without taking stock. Once per `token` (a second call returns the first order).

    Call inside the caller's transaction, which also records what the promotion gave. Raises AddressNotFound,
    SKUUnavailable, InvalidPayMethod (nothing written).
    """
    if pay_method not in PayMethod.values:
        raise InvalidPayMethod()
    existing = Order.objects.filter(user_id=user.pk, token=token).first()
    if existing is not None:
        return existing
    return _place_with_retry(
        user=user,
        wanted={int(sku_id): int(count)},
        address_id=address_id,
        pay_method=pay_method,
        token=token,
        coupon_id=None,
        points=0,
        expected_total=None,
        unit_prices={int(sku_id): Decimal(unit_price)},
        stock_held=True,
        schedule_timeout=False,
    )


def _after_commit(*, user_id: int, token: str, order_id: str, sku_ids: list[int]) -> None:
    """The token answer, the cart cleanup and the live-stock decisions: one Redis round trip (plus a
    Dramatiq message for an SKU whose coalescing window asks for one)."""
    pipe = tokens.redis_client().pipeline(transaction=False)
    tokens.queue_mark_done(pipe, user_id=user_id, token=token, order_id=order_id)
    cart.queue_remove_lines(pipe, user_id=user_id, sku_ids=sku_ids)
    queue_stock_announcements(pipe, sku_ids)
    # Every command runs even if one fails (e.g. a cart key of the wrong type); failures are logged and the
    # stock decisions that did come back are still acted on.
    results = pipe.execute(raise_on_error=False)
    for result in results:
        if isinstance(result, Exception):
            logger.error("after-commit Redis command failed for order %s: %r", order_id, result)
    send_stock_announcements(sku_ids, results[len(results) - len(sku_ids) :])


# --- Points ------------------------------------------------------------------------------------------------------


def _change_points(*, user_id: int, delta: int, reason: str, order: Order | None = None, note: str = "") -> int:
    """Change a balance by `delta` with a conditional UPDATE and record it; returns the new balance.

    Must run inside a transaction. Raises InsufficientPoints when spending more than the balance.
    """
    if delta < 0:
        updated = PointsAccount.objects.filter(user_id=user_id, balance__gte=-delta).update(
            balance=F("balance") + delta, updated_at=timezone.now()
        )
        if updated != 1:
            raise InsufficientPoints(wanted=-delta, balance=get_points_balance(user_id=user_id))
    else:
        updated = PointsAccount.objects.filter(user_id=user_id).update(
            balance=F("balance") + delta, updated_at=timezone.now()
        )
        if updated != 1:
            PointsAccount.objects.get_or_create(user_id=user_id)
            PointsAccount.objects.filter(user_id=user_id).update(
                balance=F("balance") + delta, updated_at=timezone.now()
            )
    balance = PointsAccount.objects.filter(user_id=user_id).values_list("balance", flat=True).get()
    PointsLedger.objects.create(
        user_id=user_id, delta=delta, reason=reason, order=order, note=note[:100], balance_after=balance
    )
    return balance


@transaction.atomic
def adjust_points(*, user_id: int, delta: int, note: str) -> int:
    """An operator's manual change of a balance (recorded in the ledger); returns the new balance."""
    if delta == 0:
        return get_points_balance(user_id=user_id)
    return _change_points(user_id=user_id, delta=delta, reason=PointsReason.ADJUST, note=note)


# --- State changes (E4-E6) ---------------------------------------------------------------------------------------


def _get_order(order_id: str, *, user=None) -> Order:
    if not isinstance(order_id, str) or not order_id.isdigit() or len(order_id) > 40:
        raise OrderNotFound()
    queryset = Order.objects.filter(pk=order_id)
    if user is not None:
        queryset = queryset.filter(user_id=user.pk)
    order = queryset.first()
    if order is None:
        raise OrderNotFound()
    return order


@transaction.atomic
def cancel_order(
    *,
    order_id: str,
    reason: str,
    user=None,
    allowed_from: set[str] | frozenset[str] | None = None,
    actor=None,
) -> Order:
    """Cancel an order and give back what it held: stock and sales, the coupon, the points. Exactly once.

    By default only an UNPAID order can be cancelled (the timeout, the sweep); pass `user` to act as that
    shopper (foreign orders are OrderNotFound; a cash-on-delivery order may be cancelled until shipped).
    Raises OrderStateError when the order was paid, shipped or cancelled first. `actor` (default `user`) is who
    the order's timeline names.
    """
    order = _get_order(order_id, user=user)
    if allowed_from is None:
        allowed_from = shopper_cancellable_from(order) if user is not None else {OrderStatus.UNPAID}
    transition(
        order,
        OrderStatus.CANCELED,
        reason=reason,
        allowed_from=allowed_from,
        extra={"cancel_reason": reason[:100]},
        actor=actor or user,
        note=reason,
    )
    _give_back(order)
    return order


#: Callables `hook(order) -> set of SKU ids` run when an order is cancelled, inside the cancelling
#: transaction: a promotion that held the units of a line (flash sales) takes them back itself and names the
#: SKU, whose stock is then left alone here (its sales are still taken back). Registered in AppConfig.ready.
_give_back_hooks: list[Callable[[Order], set[int]]] = []


def register_give_back(hook: Callable[[Order], set[int]]) -> None:
    if hook not in _give_back_hooks:
        _give_back_hooks.append(hook)


def _give_back(order: Order) -> None:
    """Restore what a cancelled order held. Only ever called by the transaction that won the cancel."""
    held: set[int] = set()
    for hook in _give_back_hooks:
        held |= hook(order)
    for sku_id, count in order.lines.order_by("sku_id").values_list("sku_id", "count"):
        if sku_id in held:  # the promotion took its units back: only the sales are undone
            add_sales(sku_id=sku_id, count=-count)
            continue
        give_back_stock(sku_id=sku_id, count=count)
    UserCoupon.objects.filter(used_order=order).update(used_order=None, used_at=None)
    if order.points_used:
        _change_points(user_id=order.user_id, delta=order.points_used, reason=PointsReason.REFUND_ORDER, order=order)


def expire_unpaid_order(
    *, order_id: str, now=None, timeout_seconds: int | None = None, reason: str = "超时未支付，系统自动取消"
) -> bool:
    """Cancel `order_id` if it is still unpaid after `timeout_seconds` (ORDER_UNPAID_TIMEOUT_SECONDS unless
    given). True if this call did it.

    Safe to run any number of times, from the delayed message and the sweep at once: one of them wins.
    """
    now = now or timezone.now()
    timeout = int(settings.ORDER_UNPAID_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds)
    cutoff = now - timedelta(seconds=timeout)
    if not Order.objects.filter(pk=order_id, status=OrderStatus.UNPAID, created_at__lte=cutoff).exists():
        return False
    try:
        cancel_order(order_id=order_id, reason=reason)
    except (OrderStateError, OrderNotFound):
        return False
    return True


def cancel_expired_orders(*, now=None, limit: int = 500) -> int:
    """The periodic sweep: cancel unpaid orders older than the timeout; returns how many this run cancelled."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=int(settings.ORDER_UNPAID_TIMEOUT_SECONDS))
    order_ids = list(
        Order.objects.filter(status=OrderStatus.UNPAID, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("order_id", flat=True)[:limit]
    )
    return sum(1 for order_id in order_ids if expire_unpaid_order(order_id=order_id, now=now))


@transaction.atomic
def mark_paid(*, order_id: str, trade_no: str = "", amount: Decimal | None = None) -> Order:
    """UNPAID -> TO_SHIP when the payment arrived (payments calls this once it verified the notify).

    Raises OrderStateError if the order is no longer unpaid (e.g. the timeout cancelled it first).
    """
    order = _get_order(order_id)
    if amount is not None and Decimal(amount) != order.pay_amount:
        raise OrderStateError(
            f"支付金额 ¥{amount} 与订单应付 ¥{order.pay_amount} 不符", code=OrderErrorCode.AMOUNT_MISMATCH
        )
    transition(
        order,
        OrderStatus.TO_SHIP,
        reason=f"paid {trade_no}".strip(),
        allowed_from={OrderStatus.UNPAID},
        note=f"¥{order.pay_amount} {trade_no}".strip(),
    )
    return order


_TRACKING_NO = re.compile(r"[A-Za-z0-9-]{6,40}")


def clean_shipment(*, carrier: str, tracking_no: str) -> tuple[str, str]:
    """Check a carrier and tracking number an operator typed; returns them stripped (both empty is allowed).

    Raises InvalidShipment for an unknown carrier, a tracking number that is not 6-40 letters, digits or
    dashes, or one of the two without the other.
    """
    carrier, tracking_no = (carrier or "").strip(), (tracking_no or "").strip()
    if not carrier and not tracking_no:
        return "", ""
    if carrier not in Carrier.values:
        raise InvalidShipment(_("请选择快递公司"), code=OrderErrorCode.INVALID_CARRIER)
    if not _TRACKING_NO.fullmatch(tracking_no):
        raise InvalidShipment(_("运单号应为 6 到 40 位字母、数字或短横线"), code=OrderErrorCode.INVALID_TRACKING_NO)
    return carrier, tracking_no.upper()


@transaction.atomic
def ship_order(*, order_id: str, carrier: str = "", tracking_no: str = "", actor=None) -> Order:
    """TO_SHIP -> TO_RECEIVE (an operator shipped it), with the carrier and tracking number the shopper sees.

    Raises InvalidShipment (see `clean_shipment`) or OrderStateError; nothing is written then.
    """
    carrier, tracking_no = clean_shipment(carrier=carrier, tracking_no=tracking_no)
    order = _get_order(order_id)
    note = f"{Carrier(carrier).label} {tracking_no}" if carrier else ""
    return transition(
        order,
        OrderStatus.TO_RECEIVE,
        reason="shipped",
        extra={"carrier": carrier, "tracking_no": tracking_no},
        actor=actor,
        note=str(note),
    )


@transaction.atomic
def confirm_receipt(*, order_id: str, user) -> Order:
    """The shopper confirms a shipped order arrived: TO_RECEIVE -> TO_REVIEW."""
    order = _get_order(order_id, user=user)
    return transition(order, OrderStatus.TO_REVIEW, reason="receipt confirmed by shopper", actor=user)


@transaction.atomic
def complete_order(*, order_id: str) -> Order:
    """TO_REVIEW -> FINISHED (all lines commented) and award the order's points, exactly once."""
    order = _get_order(order_id)
    transition(order, OrderStatus.FINISHED, reason="all lines commented")
    earned = points_earned(order.pay_amount)
    if earned > 0:
        _change_points(user_id=order.user_id, delta=earned, reason=PointsReason.EARN_ORDER, order=order)
    return order


# --- The order's timeline ------------------------------------------------------------------------------------------


def record_order_event(*, order_id: str, kind: str, message: str = "", actor=None) -> OrderEvent:
    """Add one line to an order's timeline (payments records its refunds here; the state machine writes every
    status change itself). Runs in the caller's transaction, if any."""
    return OrderEvent.objects.create(
        order_id=order_id, kind=kind, message=(message or "")[:300], actor=actor if getattr(actor, "pk", None) else None
    )


def add_order_note(*, order_id: str, text: str, actor) -> OrderEvent:
    """An operator's note on the order's timeline. Raises InvalidOrderNote (empty or too long), OrderNotFound."""
    text = (text or "").strip()
    if not text or len(text) > 300:
        raise InvalidOrderNote()
    order = _get_order(order_id)
    return record_order_event(order_id=order.pk, kind=OrderEventKind.NOTE, message=text, actor=actor)


# --- Coupons (E8) ------------------------------------------------------------------------------------------------


def claim_coupon(*, user, coupon_id: int) -> UserCoupon:
    """The shopper claims one coupon. One claim per shopper per coupon; never more claims than `total`.

    Raises CouponNotFound, CouponExpired, CouponSoldOut or CouponAlreadyClaimed (nothing written).
    """
    now = timezone.now()
    coupon = (
        Coupon.objects.filter(pk=coupon_id).first() if isinstance(coupon_id, int) and 0 < coupon_id < 2**63 else None
    )
    if coupon is None or not coupon.is_active:
        raise CouponNotFound()
    if not coupon.is_valid_at(now):
        raise CouponExpired()
    if UserCoupon.objects.filter(user_id=user.pk, coupon_id=coupon.pk).exists():
        raise CouponAlreadyClaimed()
    try:
        with transaction.atomic():
            issued = Coupon.objects.filter(
                pk=coupon.pk, is_active=True, valid_from__lte=now, valid_until__gt=now, issued__lt=F("total")
            ).update(issued=F("issued") + 1)
            if issued != 1:
                raise CouponSoldOut()
            return UserCoupon.objects.create(user_id=user.pk, coupon=coupon)
    except IntegrityError:  # the same shopper claimed it a moment ago in another request
        raise CouponAlreadyClaimed() from None
