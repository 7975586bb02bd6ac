"""Payment services (SPEC F1-F4, F6): start a payment, settle what Alipay reports, query, refund.

Guarantees:
- Nothing Alipay "says" is believed before `verify_trade_params` checked the RSA2 signature, the app id,
  the seller (when configured), the order number and the exact amount against the order.
- A trade settles an order at most once: the `Payment` row (unique per order and per trade number) and
  the order's UNPAID -> TO_SHIP transition are written in one transaction, so any number of notifies,
  queries and returns, in any order and at once, give one payment and one transition.
- Money that lands on an order that can no longer take it (the timeout cancelled it first) is recorded
  and refunded automatically through `alipay.trade.refund`, with a `Refund` row.
- Payments talks to orders through order numbers and `commerce.orders.services` / `selectors` calls only.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_redis import get_redis_connection

from commerce.jobs import RetryAt, backoff_seconds
from commerce.orders import selectors as order_selectors
from commerce.orders import services as order_services
from commerce.orders.errors import OrderErrorCode, OrderNotFound, OrderStateError
from commerce.orders.models import OrderEventKind, OrderStatus, PayMethod
from commerce.payments import gateway, jobs
from commerce.payments.errors import (
    GatewayError,
    PaymentErrorCode,
    PaymentNotAllowed,
    PaymentVerificationError,
    RefundNotAllowed,
)
from commerce.payments.models import (
    Payment,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundStatus,
    RefundTrigger,
)

logger = logging.getLogger(__name__)

#: Trade states in which the buyer's money has arrived.
PAID_TRADE_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
#: Alipay business answers after which asking again cannot succeed.
FINAL_REFUND_SUB_CODES = frozenset(
    {
        "ACQ.TRADE_NOT_EXIST",
        "ACQ.TRADE_STATUS_ERROR",
        "ACQ.TRADE_HAS_CLOSE",
        "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
        "ACQ.SELLER_BALANCE_NOT_ENOUGH",
        "ACQ.REASON_TRADE_REFUND_FEE_ERR",
        "ACQ.REFUND_FEE_ERROR",
        "ACQ.DISCORDANT_REPEAT_REQUEST",
    }
)
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?")
_ORDER_NO = re.compile(r"[0-9]{1,40}")
#: Redis sorted set: orders whose payer was sent to the cashier, scored by when (for the F4 sweep).
AWAITING_KEY = "mh:payments:awaiting"
#: Refund tries: the first at once, then after 10 s, 20 s, 40 s ... (capped at an hour); an operator takes over
#: after the last one (the admin's 立即重试).
REFUND_BACKOFF_BASE_SECONDS = 10
REFUND_MAX_ATTEMPTS = 12
#: F4 trade queries after a return: 3 s, then 5 s, 10 s, 20 s ... while the trade is unpaid (about 10 minutes).
QUERY_MAX_ATTEMPTS = 8


# --- Facts Alipay reported ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trade:
    """A verified statement from Alipay about one trade of one of our orders."""

    order_id: str
    trade_no: str
    amount: Decimal
    status: str = ""
    buyer_id: str = ""
    paid_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class Outcome(StrEnum):
    PAID = "paid"  # this call settled the order
    ALREADY_PAID = "already_paid"  # settled before (duplicate notify, a query after the notify...)
    REFUNDING = "refunding"  # money for an order that could not take it: refund under way
    IGNORED = "ignored"  # a message that needs no action (e.g. WAIT_BUYER_PAY, TRADE_CLOSED)
    PENDING = "pending"  # the buyer has not paid (yet)
    CLOSED = "closed"  # the trade was closed unpaid


def parse_amount(value: object) -> Decimal | None:
    text = str(value or "").strip()
    return Decimal(text) if _AMOUNT.fullmatch(text) else None


def _parse_time(value: object) -> datetime | None:
    try:
        naive = datetime.strptime(str(value or ""), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(naive, timezone.get_fixed_timezone(8 * 60))  # Alipay speaks Beijing time


def verify_trade_params(params: dict[str, str]) -> Trade:
    """Check a return or notify from Alipay and read the trade out of it.

    Raises PaymentVerificationError (nothing is changed) with code bad_signature, app_id_mismatch,
    seller_mismatch or bad_request. The order number and amount are checked against the order by the caller.
    """
    if not gateway.verify_signature(params):
        raise PaymentVerificationError(_("支付宝签名校验失败"), code=PaymentErrorCode.BAD_SIGNATURE)
    app_id = params.get("app_id") or params.get("auth_app_id") or ""
    if app_id != str(settings.ALIPAY_APP_ID):
        raise PaymentVerificationError(_("支付宝应用 ID 不符"), code=PaymentErrorCode.APP_ID_MISMATCH, app_id=app_id)
    seller = str(getattr(settings, "ALIPAY_SELLER_ID", "") or "")
    if seller and params.get("seller_id") and params["seller_id"] != seller:
        raise PaymentVerificationError(_("收款账号不符"), code=PaymentErrorCode.SELLER_MISMATCH)
    order_id = params.get("out_trade_no", "")
    trade_no = params.get("trade_no", "")
    amount = parse_amount(params.get("total_amount"))
    if not _ORDER_NO.fullmatch(order_id) or not trade_no or len(trade_no) > 64 or amount is None:
        raise PaymentVerificationError(_("支付结果缺少订单号、交易号或金额"), code=PaymentErrorCode.BAD_REQUEST)
    return Trade(
        order_id=order_id,
        trade_no=trade_no,
        amount=amount,
        status=params.get("trade_status", ""),
        buyer_id=params.get("buyer_id", "")[:32],
        paid_at=_parse_time(params.get("gmt_payment")),
        raw={k: v for k, v in params.items() if k != "sign"},
    )


# --- F1: pay -----------------------------------------------------------------------------------------------------


def _callback_url(request: HttpRequest, configured: str, name: str) -> str:
    return configured or request.build_absolute_uri(reverse(name))


def start_payment(*, request: HttpRequest, order_id: str) -> str:
    """The Alipay cashier URL for the requesting shopper's own unpaid Alipay order.

    Raises OrderNotFound (unknown or someone else's) or PaymentNotAllowed (cash on delivery, not unpaid).
    """
    order = order_selectors.get_order_for_user(user=request.user, order_id=order_id)
    if order.pay_method != PayMethod.ALIPAY:
        raise PaymentNotAllowed(_("该订单为货到付款，无需在线支付"))
    if order.status != OrderStatus.UNPAID:
        raise PaymentNotAllowed(_("订单%(status)s，无需支付") % {"status": order.get_status_display()})
    lines = list(order.lines.all())
    subject = f"美好商城订单 {order.order_id}"
    if lines:
        subject = lines[0].sku_name + (f" 等{order.total_count}件商品" if len(lines) > 1 else "")
    remaining = int(settings.ORDER_UNPAID_TIMEOUT_SECONDS) - (timezone.now() - order.created_at).total_seconds()
    if remaining < 60:  # the timeout is about to cancel it: paying now would only end in a refund
        raise PaymentNotAllowed(_("订单已超过支付时限，即将自动取消，请重新下单"))
    remaining_minutes = int(remaining // 60)
    url = gateway.page_pay_url(
        request=request,
        order_id=order.order_id,
        subject=subject,
        amount=order.pay_amount,
        return_url=_callback_url(request, settings.ALIPAY_RETURN_URL, "payments:return"),
        notify_url=_callback_url(request, settings.ALIPAY_NOTIFY_URL, "payments:notify"),
        timeout_minutes=max(1, remaining_minutes),
    )
    get_redis_connection("default").zadd(AWAITING_KEY, {order.order_id: time.time()})
    logger.info("order %s sent to the Alipay cashier", order.order_id)
    return url


# --- F2/F3/F4: settling a trade ------------------------------------------------------------------------------------


def _forget_awaiting(order_id: str) -> None:
    get_redis_connection("default").zrem(AWAITING_KEY, order_id)


@transaction.atomic
def settle_trade(trade: Trade, *, source: str) -> Outcome:
    """Apply a verified successful trade to its order, exactly once.

    The order becomes paid (UNPAID -> TO_SHIP through the orders state machine) with a Payment row; a repeat
    answers ALREADY_PAID; an order that can no longer take the money (cancelled first) gets the payment
    recorded and refunded (REFUNDING). Raises PaymentVerificationError (nothing written): unknown_order,
    amount_mismatch, trade_mismatch.
    """
    existing = Payment.objects.filter(order_id=trade.order_id).first()
    if existing is not None:
        return _repeat(existing, trade)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                order_id=trade.order_id,
                trade_no=trade.trade_no,
                amount=trade.amount,
                source=source,
                buyer_id=trade.buyer_id,
                paid_at=trade.paid_at or timezone.now(),
                raw=trade.raw,
            )
    except IntegrityError:  # another handler recorded this order's payment a moment ago
        existing = (
            Payment.objects.filter(order_id=trade.order_id).first()
            or Payment.objects.filter(trade_no=trade.trade_no).first()
        )
        if existing is None:
            raise
        return _repeat(existing, trade)
    try:
        order_services.mark_paid(order_id=trade.order_id, trade_no=trade.trade_no, amount=trade.amount)
    except OrderNotFound:
        raise PaymentVerificationError(
            _("订单号不存在"), code=PaymentErrorCode.UNKNOWN_ORDER, order_id=trade.order_id
        ) from None
    except OrderStateError as error:
        if error.code == OrderErrorCode.AMOUNT_MISMATCH:
            raise PaymentVerificationError(
                _("支付金额 ¥%(amount)s 与订单应付金额不符") % {"amount": trade.amount},
                code=PaymentErrorCode.AMOUNT_MISMATCH,
                order_id=trade.order_id,
            ) from None
        # The order stopped waiting for money (the timeout or the shopper cancelled it first): give it back.
        logger.warning(
            "payment %s landed on order %s in state %s: refunding",
            trade.trade_no,
            trade.order_id,
            error.data.get("status"),
        )
        payment.status = PaymentStatus.REFUNDING
        payment.save(update_fields=["status", "updated_at"])
        _create_refund(payment, reason="订单已取消，支付款自动退回", trigger=RefundTrigger.LATE_PAYMENT)
        transaction.on_commit(lambda: _forget_awaiting(trade.order_id), robust=True)
        return Outcome.REFUNDING
    transaction.on_commit(lambda: _forget_awaiting(trade.order_id), robust=True)
    logger.info("order %s paid by trade %s (%s)", trade.order_id, trade.trade_no, source)
    return Outcome.PAID


def _repeat(existing: Payment, trade: Trade) -> Outcome:
    if existing.trade_no != trade.trade_no or existing.amount != trade.amount:
        logger.error(
            "order %s: trade %s reported, but %s is recorded", trade.order_id, trade.trade_no, existing.trade_no
        )
        raise PaymentVerificationError(
            _("交易号与已记录的支付不符"), code=PaymentErrorCode.TRADE_MISMATCH, order_id=trade.order_id
        )
    return Outcome.ALREADY_PAID if existing.status == PaymentStatus.PAID else Outcome.REFUNDING


def handle_notify(params: dict[str, str]) -> Outcome:
    """F3: Alipay's asynchronous notify. Raises PaymentVerificationError for anything that does not check out."""
    trade = verify_trade_params(params)
    if trade.status not in PAID_TRADE_STATUSES:
        return Outcome.IGNORED  # WAIT_BUYER_PAY, TRADE_CLOSED (e.g. after a full refund): nothing to settle
    return settle_trade(trade, source=PaymentSource.NOTIFY)


@dataclass(frozen=True)
class ReturnResult:
    order_id: str
    paid: bool  # already settled (the notify came first); otherwise a query is on its way
    canceled: bool = False  # the order was cancelled before the money came: it will be refunded


def handle_return(*, user, params: dict[str, str]) -> ReturnResult:
    """F2: the shopper's browser back from the cashier with Alipay-signed parameters.

    Checked like a notify (signature, app id, seller), plus: the order is this shopper's and the amount is
    the order's. The return itself settles nothing (Alipay: the notify or a trade query is the proof of
    payment); if no payment is recorded yet, a trade query is queued (F4). Raises PaymentVerificationError
    or OrderNotFound (unknown or someone else's order).
    """
    trade = verify_trade_params(params)
    order = order_selectors.get_order_for_user(user=user, order_id=trade.order_id)
    if trade.amount != order.pay_amount:
        raise PaymentVerificationError(_("支付金额与订单应付金额不符"), code=PaymentErrorCode.AMOUNT_MISMATCH)
    canceled = order.status == OrderStatus.CANCELED
    if Payment.objects.filter(order_id=order.order_id).exists():
        return ReturnResult(order_id=order.order_id, paid=not canceled, canceled=canceled)
    jobs.query_payment(order.order_id, max_attempts=QUERY_MAX_ATTEMPTS)
    return ReturnResult(order_id=order.order_id, paid=False, canceled=canceled)


def query_payment(*, order_id: str) -> Outcome:
    """F4: ask `alipay.trade.query` about our order and settle it if Alipay has the money.

    Returns PENDING while the buyer has not paid (the caller may ask again later). Raises GatewayError when
    Alipay cannot be reached (retry), PaymentVerificationError when its answer does not match the order.
    """
    if not _ORDER_NO.fullmatch(str(order_id)):
        raise PaymentVerificationError(_("订单号不正确"), code=PaymentErrorCode.UNKNOWN_ORDER)
    existing = Payment.objects.filter(order_id=order_id).first()
    if existing is not None:
        _forget_awaiting(order_id)
        return Outcome.ALREADY_PAID if existing.status == PaymentStatus.PAID else Outcome.REFUNDING
    response = gateway.query_trade(order_id=order_id)
    code = str(response.get("code", ""))
    if code != gateway.SUCCESS_CODE:
        if response.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return Outcome.PENDING  # the buyer has not reached the cashier's pay step (yet)
        raise GatewayError(
            _("支付宝查询失败：%(reason)s") % {"reason": response.get("sub_msg") or response.get("msg")},
            code=PaymentErrorCode.QUERY_FAILED,
        )
    status = str(response.get("trade_status", ""))
    if status == "WAIT_BUYER_PAY":
        return Outcome.PENDING
    if status not in PAID_TRADE_STATUSES:
        _forget_awaiting(order_id)
        return Outcome.CLOSED
    amount = parse_amount(response.get("total_amount"))
    if response.get("out_trade_no") != order_id or not response.get("trade_no") or amount is None:
        raise PaymentVerificationError(_("支付宝查询结果与订单不符"), code=PaymentErrorCode.BAD_REQUEST)
    trade = Trade(
        order_id=order_id,
        trade_no=str(response["trade_no"])[:64],
        amount=amount,
        status=status,
        buyer_id=str(response.get("buyer_user_id", ""))[:32],
        paid_at=_parse_time(response.get("send_pay_date")),
        raw=response,
    )
    return settle_trade(trade, source=PaymentSource.QUERY)


def list_awaiting_orders(*, older_than_seconds: int, limit: int = 200) -> list[str]:
    """Orders sent to the cashier more than `older_than_seconds` ago and not settled since (F4 sweep)."""
    redis = get_redis_connection("default")
    horizon = time.time() - int(settings.ORDER_UNPAID_TIMEOUT_SECONDS) - 3600
    redis.zremrangebyscore(AWAITING_KEY, "-inf", horizon)  # long past the timeout: the order is settled
    members = redis.zrangebyscore(AWAITING_KEY, "-inf", time.time() - older_than_seconds, start=0, num=limit)
    return [m.decode() if isinstance(m, bytes) else str(m) for m in members]


# --- F6: refunds -------------------------------------------------------------------------------------------------


def _create_refund(
    payment: Payment,
    *,
    reason: str,
    trigger: str,
    operator=None,
    amount: Decimal | None = None,
    out_request_no: str = "",
) -> Refund:
    """A Refund row (the full amount unless `amount`), its durable try after commit, and a 退款 timeline row.
    Callers creating a refund beside others (partial ones, the rest after them) hold the payment row's lock."""
    amount = payment.amount if amount is None else amount
    refund = Refund.objects.create(
        payment=payment,
        order_id=payment.order_id,
        out_request_no=(out_request_no or f"{payment.order_id}R1")[:64],
        amount=amount,
        reason=reason[:100],
        trigger=trigger,
        operator=operator,
        next_try_at=timezone.now(),
    )
    _schedule_refund_try(refund)
    order_services.record_order_event(
        order_id=payment.order_id,
        kind=OrderEventKind.REFUND,
        message=f"¥{amount} {refund.out_request_no} {refund.reason}",
        actor=operator,
    )
    return refund


def committed_refund_amount(payment: Payment) -> Decimal:
    """What is refunded or being refunded for `payment` (every refund that has not finally failed)."""
    total = payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


def _schedule_refund_try(refund: Refund, *, delay_seconds: float = 0) -> None:
    """A durable job (a row in this transaction, re-sent by the scheduler's tick if its message is lost)."""
    jobs.refund(refund.pk, delay_seconds=delay_seconds, max_attempts=REFUND_MAX_ATTEMPTS + 1)


def refund_backoff_seconds(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed try: 10 s, 20 s, 40 s ... capped at one hour."""
    return backoff_seconds(attempts, base=REFUND_BACKOFF_BASE_SECONDS, cap=3600)


@transaction.atomic
def refund_order(*, order_id: str, reason: str, operator=None) -> Refund:
    """An operator cancels a paid (not yet shipped) Alipay order: CANCELED, stock, coupon and points given
    back (orders service), and the amount paid refunded through Alipay after commit (less what partial
    refunds already gave back: commerce.payments.refunds).

    Raises RefundNotAllowed (no paid Alipay payment, or nothing left to refund) or OrderStateError (shipped,
    or changed meanwhile).
    """
    reason = (reason or "").strip() or "运营取消订单"
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
    if payment is None or payment.status != PaymentStatus.PAID:
        raise RefundNotAllowed()
    left = payment.amount - committed_refund_amount(payment)
    if left <= 0:
        raise RefundNotAllowed(_("该订单的支付金额已全部退款或正在退款"), code=PaymentErrorCode.NOTHING_TO_REFUND)
    order_services.cancel_order(
        order_id=order_id, reason=reason[:100], allowed_from={OrderStatus.TO_SHIP}, actor=operator
    )
    payment.status = PaymentStatus.REFUNDING
    payment.save(update_fields=["status", "updated_at"])
    return _create_refund(payment, reason=reason, trigger=RefundTrigger.OPERATOR, operator=operator, amount=left)


def execute_refund(*, refund_id: int) -> Refund:
    """Ask Alipay to refund `refund_id` (safe to repeat: Alipay dedupes on out_request_no).

    Records success, a final refusal, or the error and the time of the next try (backoff) on the Refund.
    Raises RetryAt (commerce.jobs) after a failure worth retrying, so the durable job tries again then.
    """
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    attempts = refund.attempts + 1
    Refund.objects.filter(pk=refund.pk).update(attempts=attempts, last_tried_at=timezone.now())
    try:
        response = gateway.refund_trade(
            order_id=refund.order_id, amount=refund.amount, out_request_no=refund.out_request_no, reason=refund.reason
        )
    except GatewayError as error:
        _retry_later(refund, attempts=attempts, error=error.message, response=None)
    code = str(response.get("code", ""))
    if code == gateway.SUCCESS_CODE:
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
                status=RefundStatus.SUCCEEDED,
                response=response,
                finished_at=timezone.now(),
                error="",
                next_try_at=None,
            )
            payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
            done = payment.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))["total"]
            if refund.trigger != RefundTrigger.PARTIAL or (done or 0) >= payment.amount:
                Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDED, updated_at=timezone.now())
            order_services.record_order_event(
                order_id=refund.order_id,
                kind=OrderEventKind.REFUND,
                message=f"¥{refund.amount} ✓ {refund.out_request_no}",
            )
        logger.info("refund %s of order %s succeeded", refund.out_request_no, refund.order_id)
    elif response.get("sub_code") in FINAL_REFUND_SUB_CODES:
        message = str(response.get("sub_msg") or response.get("msg") or response.get("sub_code"))[:200]
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
                status=RefundStatus.FAILED,
                response=response,
                finished_at=timezone.now(),
                error=message,
                next_try_at=None,
            )
            order_services.record_order_event(
                order_id=refund.order_id, kind=OrderEventKind.REFUND, message=f"¥{refund.amount} ✗ {message}"
            )
        logger.error("refund %s of order %s refused: %s", refund.out_request_no, refund.order_id, message)
    else:
        message = f"支付宝退款暂未成功：{response.get('sub_msg') or response.get('msg') or code}"
        _retry_later(refund, attempts=attempts, error=message, response=response)
    refund.refresh_from_db()
    return refund


def _retry_later(refund: Refund, *, attempts: int, error: str, response: dict | None) -> NoReturn:
    """Keep the error and the next try on the refund, then tell the durable job when to try again."""
    if attempts >= REFUND_MAX_ATTEMPTS:
        next_try = None
        error = f"{error}（已自动重试 {attempts} 次，请人工处理）"
    else:
        next_try = timezone.now() + timedelta(seconds=refund_backoff_seconds(attempts))
    fields: dict[str, Any] = {"error": error[:200], "next_try_at": next_try}
    if response is not None:
        fields["response"] = response
    Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(**fields)
    logger.warning(
        "refund %s of order %s not done (try %d): %s", refund.out_request_no, refund.order_id, attempts, error
    )
    raise RetryAt(next_try, error)


@transaction.atomic
def retry_refund(*, refund_id: int) -> Refund:
    """An operator asks for a stuck (pending with an error) or failed refund to be tried again now.

    Raises RefundNotAllowed when the refund already succeeded, or when a failed one no longer fits in what is
    left of the payment (other refunds took it meanwhile).
    """
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None or refund.status == RefundStatus.SUCCEEDED:
        raise RefundNotAllowed(_("该退款已完成或不存在，无需重试"), code=PaymentErrorCode.REFUND_NOT_RETRYABLE)
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)  # the lock every refund takes
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status == RefundStatus.SUCCEEDED:
        raise RefundNotAllowed(_("该退款已完成或不存在，无需重试"), code=PaymentErrorCode.REFUND_NOT_RETRYABLE)
    if refund.status == RefundStatus.FAILED and committed_refund_amount(payment) + refund.amount > payment.amount:
        raise RefundNotAllowed(_("重试后退款总额将超过实付金额，不能重试"), code=PaymentErrorCode.REFUND_EXCEEDS_PAID)
    Refund.objects.filter(pk=refund.pk).update(
        status=RefundStatus.PENDING, next_try_at=timezone.now(), finished_at=None, attempts=0
    )
    _schedule_refund_try(refund)
    refund.refresh_from_db()
    return refund
