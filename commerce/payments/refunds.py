"""Partial refunds (issue #15): give back part of an Alipay payment, by returned lines (with quantities) or by
an amount, through `alipay.trade.refund` with its own `out_request_no` per request.

Guarantees:
- The refunds of a payment never add up to more than was paid: every refund (partial ones here, the full one
  of `services.refund_order`, a retry of a failed one) is created while holding the payment row's lock
  (`SELECT ... FOR UPDATE`), and what is left is computed under it. Two operators clicking at once queue on the
  lock; the second sees the first's refund and is refused if it no longer fits.
- Returned units: at most what the line bought, less what earlier partial refunds returned (same lock). Their
  stock (and sales) go back through the catalog's stock service in the same transaction, and the live stock
  pages are told after commit.
- Alipay is asked after commit by the durable refund job (tasks.durable, `refund_payment_task`), with the same
  retries, errors, and operator retry as full refunds. Every refund and its outcome goes on the order timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from commerce.catalog import stock
from commerce.errors import CommerceError, ConflictError
from commerce.orders.models import Order, OrderStatus, PayMethod
from commerce.payments import services
from commerce.payments.errors import PaymentErrorCode, RefundNotAllowed
from commerce.payments.models import Payment, PaymentStatus, Refund, RefundLine, RefundStatus, RefundTrigger

#: Order states in which part of the money may go back: paid and not cancelled. Returned goods only once shipped
#: (before that, cancel the order: its cancel gives every line's stock back, and must not do it twice).
PARTIAL_REFUND_STATES = frozenset(
    {OrderStatus.TO_SHIP, OrderStatus.TO_RECEIVE, OrderStatus.TO_REVIEW, OrderStatus.FINISHED}
)
RETURN_STATES = frozenset({OrderStatus.TO_RECEIVE, OrderStatus.TO_REVIEW, OrderStatus.FINISHED})
MAX_PARTIAL_REFUNDS = 50


class InvalidPartialRefund(CommerceError):
    code = PaymentErrorCode.INVALID_PARTIAL_REFUND
    default_message = "退款申请不正确"


class RefundExceedsPaid(ConflictError):
    code = PaymentErrorCode.REFUND_EXCEEDS_PAID
    default_message = "退款金额超过了可退金额"


@dataclass(frozen=True)
class RefundableLine:
    line_id: int
    sku_id: int
    sku_name: str
    price: Decimal
    count: int
    returned: int

    @property
    def returnable(self) -> int:
        return max(0, self.count - self.returned)


@dataclass(frozen=True)
class RefundSummary:
    """What an operator needs to ask for a partial refund of one order."""

    order: Order
    payment: Payment | None
    refunded: Decimal  # refunded or being refunded (failed refunds left out)
    lines: list[RefundableLine]

    @property
    def refundable(self) -> Decimal:
        return max(Decimal("0.00"), self.payment.amount - self.refunded) if self.payment else Decimal("0.00")

    @property
    def can_return_goods(self) -> bool:
        return self.order.status in RETURN_STATES


def returned_counts(order_id: str) -> dict[int, int]:
    """Units of each order line returned by partial refunds so far (line id -> count)."""
    rows = (
        RefundLine.objects.filter(refund__order_id=order_id)
        .values("line_id")
        .annotate(total=Sum("count"))
        .values_list("line_id", "total")
    )
    return {int(line_id): int(total) for line_id, total in rows}


def get_refund_summary(order_id: str) -> RefundSummary | None:
    order = Order.objects.filter(pk=str(order_id)[:40]).prefetch_related("lines").first()
    if order is None:
        return None
    payment = Payment.objects.filter(order_id=order.order_id).first()
    returned = returned_counts(order.order_id)
    lines = [
        RefundableLine(
            line_id=line.pk,
            sku_id=line.sku_id,
            sku_name=line.sku_name,
            price=line.price,
            count=line.count,
            returned=returned.get(line.pk, 0),
        )
        for line in order.lines.all()
    ]
    refunded = services.committed_refund_amount(payment) if payment else Decimal("0.00")
    return RefundSummary(order=order, payment=payment, refunded=refunded, lines=lines)


def parse_refund_amount(text: str) -> Decimal | None:
    """A yuan amount with at most two decimals, above zero; None when empty. Raises InvalidPartialRefund."""
    text = (text or "").strip()
    if not text:
        return None
    amount = services.parse_amount(text)  # digits, at most two decimals (no exponent, no sign)
    if amount is None or amount <= 0:
        raise InvalidPartialRefund(
            _("退款金额必须是大于 0、最多两位小数的数字"), code=PaymentErrorCode.BAD_REFUND_AMOUNT
        )
    if amount >= Decimal("10000000000"):
        raise InvalidPartialRefund(_("退款金额过大"), code=PaymentErrorCode.BAD_REFUND_AMOUNT)
    return amount


@transaction.atomic
def refund_partially(
    *, order_id: str, reason: str, returned: dict[int, int] | None = None, amount: Decimal | None = None, operator=None
) -> Refund:
    """Refund part of the order's Alipay payment: for `returned` goods (order line id -> units), by `amount`, or
    both (then `amount` is what goes back for those goods). Without an amount, returned goods refund their unit
    price × units, capped at what is left of the payment (coupons and points made the order cheaper).

    Raises RefundNotAllowed (no paid Alipay payment, order not in a refundable state), InvalidPartialRefund (bad
    lines, counts, amount or reason), RefundExceedsPaid (more than paid minus refunded). Nothing is written then.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > 100:
        raise InvalidPartialRefund(_("请填写退款原因（1-100 个字）"), code=PaymentErrorCode.BAD_REFUND_REASON)
    wanted = {int(line_id): int(count) for line_id, count in (returned or {}).items() if int(count) != 0}
    if any(count < 0 for count in wanted.values()):
        raise InvalidPartialRefund(_("退货数量不能为负数"), code=PaymentErrorCode.BAD_RETURN_COUNT)
    if not wanted and amount is None:
        raise InvalidPartialRefund(_("请选择退货商品及数量，或填写退款金额"), code=PaymentErrorCode.EMPTY_REFUND)
    # The lock every refund of this payment takes: from here on, no other refund of it can be created.
    payment = Payment.objects.select_for_update().filter(order_id=str(order_id)[:40]).first()
    if payment is None or payment.status != PaymentStatus.PAID:
        raise RefundNotAllowed(_("该订单没有可退款的支付宝支付记录"))
    order = Order.objects.filter(pk=payment.order_id).first()
    if order is None or order.pay_method != PayMethod.ALIPAY or order.status not in PARTIAL_REFUND_STATES:
        label = order.get_status_display() if order else ""
        raise RefundNotAllowed(_("订单当前状态为“%(status)s”，不能部分退款") % {"status": label})
    if payment.refunds.filter(trigger=RefundTrigger.PARTIAL).count() >= MAX_PARTIAL_REFUNDS:
        raise RefundNotAllowed(_("该订单的部分退款次数已达上限"), code=PaymentErrorCode.TOO_MANY_REFUNDS)
    lines = {line.pk: line for line in order.lines.all()}
    goods_value = Decimal("0.00")
    if wanted:
        if order.status not in RETURN_STATES:
            raise InvalidPartialRefund(
                _("订单尚未发货，不能退货；请按金额退款或取消订单"), code=PaymentErrorCode.NOT_SHIPPED
            )
        already = returned_counts(order.order_id)
        for line_id, count in wanted.items():
            line = lines.get(line_id)
            if line is None:
                raise InvalidPartialRefund(_("退货商品不属于该订单"), code=PaymentErrorCode.BAD_RETURN_LINE)
            left = line.count - already.get(line_id, 0)
            if count > left:
                raise InvalidPartialRefund(
                    _("“%(name)s”最多还能退 %(left)s 件") % {"name": line.sku_name, "left": left},
                    code=PaymentErrorCode.BAD_RETURN_COUNT,
                )
            goods_value += line.price * count
    refundable = payment.amount - services.committed_refund_amount(payment)
    if amount is None:
        amount = min(goods_value, refundable)
    if refundable <= 0 or amount <= 0:
        raise RefundExceedsPaid(_("该订单已无可退金额"))
    if amount > refundable:
        raise RefundExceedsPaid(
            _("退款金额 ¥%(amount)s 超过可退金额 ¥%(left)s（实付 ¥%(paid)s，已退或退款中 ¥%(done)s）")
            % {"amount": amount, "left": refundable, "paid": payment.amount, "done": payment.amount - refundable}
        )
    number = payment.refunds.filter(trigger=RefundTrigger.PARTIAL).count() + 1
    goods = "、".join(f"{lines[line_id].sku_name}×{count}" for line_id, count in sorted(wanted.items()))
    refund = services._create_refund(
        payment,
        reason=f"{reason}（退货：{goods}）"[:100] if goods else reason,
        trigger=RefundTrigger.PARTIAL,
        operator=operator,
        amount=amount,
        out_request_no=f"{payment.order_id}P{number}",
    )
    for line_id, count in sorted(wanted.items()):
        line = lines[line_id]
        RefundLine.objects.create(
            refund=refund, line_id=line.pk, sku_id=line.sku_id, sku_name=line.sku_name, count=count
        )
        stock.return_stock(sku_id=line.sku_id, count=count)  # announced to the live pages after commit
        stock.add_sales(sku_id=line.sku_id, count=-count)
    return refund


def list_order_refunds(order_id: str) -> list[Refund]:
    return list(
        Refund.objects.filter(order_id=order_id)
        .select_related("operator")
        .prefetch_related("lines")
        .order_by("created_at", "id")
    )


def is_retryable(refund: Refund) -> bool:
    return refund.status == RefundStatus.FAILED or refund.is_stuck
