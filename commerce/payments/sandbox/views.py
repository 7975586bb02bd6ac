"""Sandbox gateway endpoints: /alipay-sandbox/gateway.do (page pay and server APIs) and the pay button."""

from __future__ import annotations

import logging
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from commerce.payments import jobs
from commerce.payments.sandbox import protocol, store

logger = logging.getLogger(__name__)

TICKET_SALT = "alipay-sandbox.pay"
TICKET_MAX_AGE = 2 * 3600


def _params(request: HttpRequest) -> dict[str, str]:
    params = request.GET.dict()
    if request.method == "POST":
        params.update(request.POST.dict())
    return params


def _refuse(request: HttpRequest, error: protocol.SandboxError, status: int = 400) -> HttpResponse:
    return render(request, "payments/sandbox_message.html", {"error": error}, status=status)


def _http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@csrf_exempt  # an API endpoint authenticated by the RSA2 signature, like Alipay's gateway
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    if params.get("method") == "alipay.trade.page.pay":
        return _page_pay(request, params)
    return HttpResponse(protocol.answer(params), content_type="application/json; charset=utf-8")


def _page_pay(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    try:
        biz = protocol.verify_request(params)
        out_trade_no = str(biz.get("out_trade_no") or "")
        amount = str(biz.get("total_amount") or "")
        subject = str(biz.get("subject") or "").strip()
        if biz.get("product_code") != "FAST_INSTANT_TRADE_PAY":
            raise protocol.SandboxError("ACQ.INVALID_PARAMETER", "product_code 必须为 FAST_INSTANT_TRADE_PAY")
        if not protocol.OUT_TRADE_NO.fullmatch(out_trade_no):
            raise protocol.SandboxError("ACQ.INVALID_PARAMETER", "商户订单号 out_trade_no 无效")
        if not protocol.AMOUNT.fullmatch(amount) or not Decimal("0.01") <= Decimal(amount) <= Decimal("100000000"):
            raise protocol.SandboxError("ACQ.INVALID_PARAMETER", "订单金额 total_amount 无效")
        if not subject:
            raise protocol.SandboxError("ACQ.INVALID_PARAMETER", "订单标题 subject 不能为空")
        for name in ("return_url", "notify_url"):
            if params.get(name) and not _http_url(params[name]):
                raise protocol.SandboxError("ACQ.INVALID_PARAMETER", f"{name} 无效")
    except protocol.SandboxError as error:
        return _refuse(request, error)
    existing = store.get_trade(params["app_id"], out_trade_no)
    if existing is not None:
        if existing["total_amount"] != amount:
            return _refuse(request, protocol.SandboxError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"))
        return _refuse(request, protocol.SandboxError("ACQ.TRADE_HAS_SUCCESS", "该笔订单已经支付，请勿重复付款"))
    ticket = signing.dumps(
        {
            "app_id": params["app_id"],
            "out_trade_no": out_trade_no,
            "total_amount": amount,
            "subject": subject[:256],
            "return_url": params.get("return_url", ""),
            "notify_url": params.get("notify_url", ""),
        },
        salt=TICKET_SALT,
        compress=True,
    )
    context = {
        "subject": subject,
        "amount": amount,
        "out_trade_no": out_trade_no,
        "ticket": ticket,
        "seller_id": settings.ALIPAY_SANDBOX_SELLER_ID,
    }
    return render(request, "payments/sandbox_pay.html", context)


@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    """The buyer pressed 付款: book the trade, send the browser back with signed parameters, queue the notify."""
    try:
        order = signing.loads(request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
    except signing.BadSignature:
        return _refuse(request, protocol.SandboxError("ACQ.INVALID_PARAMETER", "支付请求已失效，请回到商户重新发起"))
    trade, created = store.pay_trade(
        app_id=order["app_id"],
        out_trade_no=order["out_trade_no"],
        subject=order["subject"],
        total_amount=order["total_amount"],
        seller_id=settings.ALIPAY_SANDBOX_SELLER_ID,
        notify_url=order["notify_url"],
        return_url=order["return_url"],
    )
    if trade["total_amount"] != order["total_amount"]:
        return _refuse(request, protocol.SandboxError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"))
    if created and trade.get("notify_url"):
        # Durable, like Alipay's own notify schedule: a dropped message is re-sent by the dispatch tick.
        jobs.deliver_sandbox_notify(app_id=trade["app_id"], out_trade_no=trade["out_trade_no"])
    logger.info("sandbox trade %s paid for %s (%s)", trade["trade_no"], trade["out_trade_no"], trade["total_amount"])
    if not trade.get("return_url"):
        return render(request, "payments/sandbox_message.html", {"paid": trade})
    separator = "&" if "?" in trade["return_url"] else "?"
    return HttpResponseRedirect(trade["return_url"] + separator + urlencode(protocol.return_params(trade)))
