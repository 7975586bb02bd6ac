"""The sale page and the 抢购 endpoint (issue 17). Thin: parse, call one service, map its error to JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commerce.errors import CommerceError
from commerce.flashsales import gate, services
from config.client_address import client_ip


@require_GET
def sale_page(request: HttpRequest, sale_id: int) -> HttpResponse:
    """The sale: SKU, prices, countdown by server time, 抢购, and (logged in) the shopper's presses."""
    try:
        sale = services.get_sale(sale_id)
    except CommerceError as error:
        return render(request, "flashsales/sale.html", {"error": error}, status=error.http_status)
    now = timezone.now()
    left = gate.left(sale.pk)
    context = {
        "sale": sale,
        "server_now_ms": int(now.timestamp() * 1000),
        "starts_ms": int(sale.starts_at.timestamp() * 1000),
        "ends_ms": int(sale.ends_at.timestamp() * 1000),
        "left": sale.quantity if left is None else left,
        "ticket": services.issue_ticket(sale_id=sale.pk, user=request.user, session_key=request.session.session_key),
        "entries": services.list_entries(sale_id=sale.pk, user_id=request.user.pk)
        if request.user.is_authenticated
        else [],
    }
    return render(request, "flashsales/sale.html", context)


@require_GET
def ticket(request: HttpRequest, sale_id: int) -> JsonResponse:
    """For a page that could not carry them (the product page, possibly a shared static file): the server's
    clock, the sale's units left, and for a logged-in shopper the press ticket and a CSRF token."""
    try:
        sale = services.get_sale(sale_id)
    except CommerceError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    left = gate.left(sale.pk)
    body = {
        "ok": True,
        "server_now_ms": int(timezone.now().timestamp() * 1000),
        "left": sale.quantity if left is None else max(left, 0),
        "logged_in": request.user.is_authenticated,
        "ticket": "",
        "csrf_token": "",
    }
    if request.user.is_authenticated:
        if not request.session.session_key:
            request.session.save()
        body["ticket"] = services.issue_ticket(
            sale_id=sale.pk, user=request.user, session_key=request.session.session_key
        )
        body["csrf_token"] = get_token(request)
    response = JsonResponse(body)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def press(request: HttpRequest, sale_id: int) -> JsonResponse:
    """抢购: {"ok": true, "status": "queued", "request_id": ...} at once, or {"ok": false, "code", "message"}.

    Login required (401 JSON, not a redirect), CSRF checked by the middleware, rate limited per address and
    per account inside the gate's Lua step."""
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False, "code": "login_required", "message": _("请先登录")}, status=401)
    try:
        result = services.press(
            sale_id=sale_id,
            user=request.user,
            request_id=request.POST.get("request_id", ""),
            address=client_ip(request),
        )
    except CommerceError as error:
        return JsonResponse(error.as_dict(), status=error.http_status)
    return JsonResponse(result.as_dict(), status=result.http_status)
