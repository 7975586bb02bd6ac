"""Payment entry points (SPEC F1-F3). Thin: parse the request, call one service, map its error."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from commerce.errors import CommerceError, NotFoundError
from commerce.payments import services
from commerce.payments.errors import PaymentVerificationError

logger = logging.getLogger(__name__)


@login_required
@require_GET
def pay(request: HttpRequest, order_id: str) -> HttpResponse:
    """F1: send the shopper to the Alipay cashier for their own unpaid Alipay order."""
    try:
        url = services.start_payment(request=request, order_id=order_id)
    except NotFoundError as error:
        raise Http404(error.message) from None
    except CommerceError as error:
        messages.error(request, error.message)
        return redirect("orders:detail", order_id=order_id)
    return redirect(url)


@login_required
@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """F2: the browser back from Alipay. Verified, then on to the order page, which turns paid live."""
    try:
        result = services.handle_return(user=request.user, params=request.GET.dict())
    except NotFoundError as error:
        raise Http404(error.message) from None
    except PaymentVerificationError as error:
        logger.warning("return refused for user %s: %s", request.user.pk, error.code)
        return render(request, "payments/pay_result.html", {"error": error}, status=400)
    if result.canceled:
        messages.warning(request, "该订单已取消，您支付的款项将原路退回支付宝账户")
    elif result.paid:
        messages.success(request, "支付成功，我们会尽快为您发货")
    else:
        messages.info(request, "支付完成，正在确认支付结果…")
    return redirect("orders:detail", order_id=result.order_id)


@csrf_exempt  # Alipay's server posts here; the RSA2 signature is the authentication
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """F3: Alipay's asynchronous notify. Answers "success" (stop sending) or "failure" (send again)."""
    params = request.POST.dict()
    try:
        outcome = services.handle_notify(params)
    except PaymentVerificationError as error:
        logger.warning(
            "alipay notify refused (%s) for order %r trade %r",
            error.code,
            params.get("out_trade_no"),
            params.get("trade_no"),
        )
        return HttpResponse("failure", content_type="text/plain")
    logger.info("alipay notify for order %s: %s", params.get("out_trade_no"), outcome.value)
    return HttpResponse("success", content_type="text/plain")
