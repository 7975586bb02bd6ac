"""Operator pages in the Wagtail admin (SPEC F6, I): Alipay payments and refunds, and "cancel and refund".

Kept in payments (not an Order admin) because the orders admin does not exist yet: whichever orders admin
comes later calls the same service, `commerce.payments.services.refund_order`, from its cancel action.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commerce.errors import CommerceError
from commerce.payments import services
from commerce.payments.models import Payment, PaymentStatus

VIEW_PERMISSIONS = ("payments.view_payment", "payments.refund_payment")


def can_view(user) -> bool:
    return any(user.has_perm(name) for name in VIEW_PERMISSIONS)


class RefundForm(forms.Form):
    reason = forms.CharField(
        label="取消原因", max_length=100, initial="运营取消订单并退款", widget=forms.TextInput(attrs={"size": 40})
    )


def payment_index(request: HttpRequest) -> HttpResponse:
    if not can_view(request.user):
        raise PermissionDenied
    payments = Payment.objects.prefetch_related("refunds").order_by("-created_at", "-id")
    query = (request.GET.get("q") or "").strip()
    if query:
        payments = payments.filter(order_id__startswith=query[:40]) | payments.filter(trade_no=query[:64])
    page = Paginator(payments, 30).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "payments/admin/payment_index.html",
        {
            "page": page,
            "q": query,
            "can_refund": request.user.has_perm("payments.refund_payment"),
            "PAID": PaymentStatus.PAID,
        },
    )


def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Confirm, then cancel the paid order and refund it through Alipay (refund_order)."""
    if not request.user.has_perm("payments.refund_payment"):
        raise PermissionDenied
    payment = get_object_or_404(Payment, pk=payment_id)
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.refund_order(order_id=payment.order_id, reason=form.cleaned_data["reason"], operator=request.user)
        except CommerceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"订单 {payment.order_id} 已取消，¥{payment.amount} 正在原路退回支付宝")
        return redirect("payments_admin:index")
    return TemplateResponse(request, "payments/admin/refund_confirm.html", {"payment": payment, "form": form})


@require_POST
def refund_retry(request: HttpRequest, refund_id: int) -> HttpResponse:
    """An operator retries a stuck (pending with an error) or failed refund now (services.retry_refund)."""
    if not request.user.has_perm("payments.refund_payment"):
        raise PermissionDenied
    try:
        refund = services.retry_refund(refund_id=refund_id)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("退款 %(no)s 已重新提交支付宝，请稍后刷新查看结果") % {"no": refund.out_request_no})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = ""
    return redirect(target or "payments_admin:index")
