"""What payments adds to the orders admin's order page (SPEC F6, I), through the hooks orders declares in
`commerce.orders.admin.views` (orders never imports payments):

- `order_payments_panel(order)`: the order's Alipay payment and refund records (the full one and partial ones);
  a refund not yet done shows its tries, last error and next try, and a "立即重试退款" button
  (admin_views.refund_retry); a 部分退款 link (admin_refunds.partial_refund) while part of the money is left;
- `cancel_paid_order(request=, order=, reason=)`: an operator cancelling an order paid through Alipay gets it
  cancelled and refunded by `services.refund_order` (the same call as 支付记录 → 取消订单并退款).
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from commerce.payments import services
from commerce.payments.errors import RefundNotAllowed
from commerce.payments.models import Payment, PaymentStatus

REFUND_PERMISSION = "payments.refund_payment"


class OrderPaymentsPanel(Component):
    template_name = "payments/admin/order_panel.html"

    def __init__(self, payment: Payment | None) -> None:
        self.payment = payment

    def get_context_data(self, parent_context=None):
        from commerce.payments import refunds as partial

        request = (parent_context or {}).get("request")
        can_refund = bool(request and request.user.has_perm(REFUND_PERMISSION))
        refunds = partial.list_order_refunds(self.payment.order_id) if self.payment else []
        summary = partial.get_refund_summary(self.payment.order_id) if self.payment and can_refund else None
        return {
            "payment": self.payment,
            "refunds": refunds,
            "refund": self.payment.refund if self.payment else None,
            "can_retry": can_refund,
            "can_partial_refund": bool(
                summary
                and summary.payment.status == PaymentStatus.PAID
                and summary.order.status in partial.PARTIAL_REFUND_STATES
                and summary.refundable > 0
            ),
            "refundable": summary.refundable if summary else None,
            "csrf_token": get_token(request) if request else "",
            "next_url": request.get_full_path() if request else "",
        }


def get_order_payment(order_id: str) -> Payment | None:
    """The order's payment with its refunds (None when it was never paid online)."""
    return Payment.objects.prefetch_related("refunds__operator").filter(order_id=order_id).first()


def order_payments_panel(order) -> Component:
    return OrderPaymentsPanel(get_order_payment(order.order_id))


def cancel_paid_order(*, request, order, reason: str) -> str | None:
    """Take over the cancel of an order with a paid Alipay payment: cancel it and refund it in full.

    Returns None for an order without a paid payment (orders cancels it itself). Raises RefundNotAllowed
    without the refund permission, or what `refund_order` raises (e.g. OrderStateError once shipped).
    """
    payment = Payment.objects.filter(order_id=order.order_id, status=PaymentStatus.PAID).first()
    if payment is None:
        return None
    if not request.user.has_perm(REFUND_PERMISSION):
        raise RefundNotAllowed(_("您没有退款权限，不能取消已支付的订单"))
    services.refund_order(order_id=order.order_id, reason=reason, operator=request.user)
    return _("订单 %(order_id)s 已取消，¥%(amount)s 正在原路退回支付宝") % {
        "order_id": order.order_id,
        "amount": payment.amount,
    }
