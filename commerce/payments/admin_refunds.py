"""部分退款 in the Wagtail admin (issue #15): a page per order (`/admin/payments/orders/<order_id>/partial-refund/`,
`payments.refund_payment`) where an operator ticks returned lines with their quantity and/or types an amount.
The work is `commerce.payments.refunds.refund_partially`; the order page's payments panel lists every refund
with its state, last error and a retry button (order_admin.OrderPaymentsPanel)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from commerce.errors import CommerceError
from commerce.payments import refunds
from commerce.payments.errors import PaymentErrorCode
from commerce.payments.models import PaymentStatus

REFUND_PERMISSION = "payments.refund_payment"


def _returned_counts(request: HttpRequest, summary: refunds.RefundSummary) -> dict[int, int]:
    """`count_<line id>` fields of the lines that can still be returned. Raises InvalidPartialRefund."""
    counts: dict[int, int] = {}
    for line in summary.lines:
        text = (request.POST.get(f"count_{line.line_id}") or "").strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > 6:
            raise refunds.InvalidPartialRefund(
                _("“%(name)s”的退货数量必须是整数") % {"name": line.sku_name}, code=PaymentErrorCode.BAD_RETURN_COUNT
            )
        if int(text):
            counts[line.line_id] = int(text)
    return counts


def partial_refund(request: HttpRequest, order_id: str) -> HttpResponse:
    """GET: the form (lines with what can still be returned, the amount left). POST: ask for the refund."""
    if not request.user.has_perm(REFUND_PERMISSION):
        raise PermissionDenied
    summary = refunds.get_refund_summary(order_id)
    if summary is None:
        raise Http404
    order_url = reverse("orders_admin:inspect", args=[summary.order.order_id])
    values = {"reason": "", "amount": "", "counts": {}}
    if request.method == "POST":
        values = {
            "reason": (request.POST.get("reason") or "")[:200],
            "amount": (request.POST.get("amount") or "")[:20],
            "counts": {line.line_id: (request.POST.get(f"count_{line.line_id}") or "")[:6] for line in summary.lines},
        }
        try:
            amount = refunds.parse_refund_amount(values["amount"])
            refund = refunds.refund_partially(
                order_id=summary.order.order_id,
                reason=values["reason"],
                returned=_returned_counts(request, summary),
                amount=amount,
                operator=request.user,
            )
        except CommerceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已提交部分退款 %(no)s：¥%(amount)s 正在原路退回支付宝")
                % {"no": refund.out_request_no, "amount": refund.amount},
            )
            return redirect(order_url)
        summary = refunds.get_refund_summary(order_id)  # what the refusal left (another operator may have acted)
    rows = [(line, values["counts"].get(line.line_id, "")) for line in summary.lines]
    return TemplateResponse(
        request,
        "payments/admin/partial_refund.html",
        {
            "summary": summary,
            "rows": rows,
            "values": values,
            "order_url": order_url,
            "payment_paid": bool(summary.payment and summary.payment.status == PaymentStatus.PAID),
            "order_open": summary.order.status in refunds.PARTIAL_REFUND_STATES,
        },
        status=400 if request.method == "POST" else 200,
    )
