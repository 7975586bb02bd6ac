"""Order pages and actions (SPEC E1-E8). Thin: parse input, call one service or selector, map its
CommerceError to a message (HTML) or a JSON body with the error's code and status. Never a 500 for input."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from commerce.errors import CommerceError
from commerce.orders import selectors, services, tokens
from commerce.orders.errors import COUPON_AND_POINTS_CODES, OrderErrorCode
from commerce.orders.forms import OrderFilterForm, PlaceOrderForm, QuoteForm
from commerce.orders.models import OrderStatus, PayMethod

logger = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest" or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_json(error: CommerceError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.http_status)


def _cart_url() -> str:
    try:
        return reverse("cart:list")
    except NoReverseMatch:  # the cart page is named by the cart app
        return "/cart/"


# --- Checkout (E1, E2) ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def settlement(request: HttpRequest) -> HttpResponse:
    """The checkout page: addresses, selected lines at current prices, coupon, points, amounts, a token."""
    form = QuoteForm(request.GET)
    auto_coupon, coupon_id, points = True, None, 0
    if form.is_valid():
        auto_coupon, coupon_id = form.coupon_choice()
        points = form.cleaned_data.get("points") or 0
    try:
        checkout = selectors.build_checkout(
            user=request.user, coupon_id=coupon_id, auto_coupon=auto_coupon, points=points
        )
    except CommerceError as error:
        if error.code in COUPON_AND_POINTS_CODES:
            messages.error(request, error.message)
            return redirect("orders:settlement")
        messages.error(request, error.message)
        return redirect(_cart_url())
    context = {
        "checkout": checkout,
        "quote": checkout.quote,
        "token": tokens.issue_token(user_id=request.user.pk),
        "pay_methods": PayMethod.choices,
        "default_pay_method": PayMethod.ALIPAY,
        "points_per_yuan": settings.POINTS_PER_YUAN,
    }
    return render(request, "orders/settlement.html", context)


@login_required
@require_GET
def settlement_quote(request: HttpRequest) -> JsonResponse:
    """The amounts for another coupon / points choice, computed on the server (the page only displays them)."""
    form = QuoteForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"ok": False, "code": "invalid_input", "message": _("积分数量不正确")}, status=400)
    auto_coupon, coupon_id = form.coupon_choice()
    try:
        checkout = selectors.build_checkout(
            user=request.user, coupon_id=coupon_id, auto_coupon=auto_coupon, points=form.cleaned_data.get("points") or 0
        )
    except CommerceError as error:
        return _error_json(error)
    return JsonResponse({"ok": True, **checkout.quote.as_dict()})


@login_required
@require_POST
def place(request: HttpRequest) -> HttpResponse:
    """Submit the checkout. JSON clients get {"ok", "order_id", "url"}; plain forms are redirected."""
    form = PlaceOrderForm(request.POST)
    if not form.is_valid():
        error = CommerceError(form.first_error(), code=OrderErrorCode.INVALID_INPUT)
        if _wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect("orders:settlement")
    data = form.cleaned_data
    try:
        order = services.place_order(user=request.user, **PlaceOrderForm.placement(data))
    except CommerceError as error:
        logger.info("order refused for user %s: %s", request.user.pk, error.code)
        if _wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect("orders:settlement")
    url = order.get_absolute_url()
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "order_id": order.order_id,
                "status": order.status,
                "pay_method": order.pay_method,
                "pay_amount": f"{order.pay_amount:.2f}",
                "url": url,
            }
        )
    messages.success(request, _("订单提交成功，订单号 %(id)s") % {"id": order.order_id})
    return redirect(url)


# --- My orders (E6) ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    paginator = Paginator(
        selectors.list_orders(user=request.user, status=status or None), settings.ORDER_LIST_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {"page": page, "orders": page.object_list, "status": status or "", "statuses": OrderStatus.choices},
    )


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        order = selectors.get_order_for_user(user=request.user, order_id=order_id)
    except CommerceError as error:
        raise Http404(error.message) from None
    return render(request, "orders/order_detail.html", {"order": order, "statuses": OrderStatus})


def _order_action(request: HttpRequest, order_id: str, action, success: str) -> HttpResponse:
    try:
        order = action(order_id=order_id, user=request.user)
    except CommerceError as error:
        if _wants_json(request):
            return _error_json(error)
        if error.http_status == 404:
            raise Http404(error.message) from None
        messages.error(request, error.message)
        return redirect("orders:detail", order_id=order_id)
    if _wants_json(request):
        return JsonResponse({"ok": True, "order_id": order.order_id, "status": order.status})
    messages.success(request, success)
    return redirect("orders:detail", order_id=order.order_id)


@login_required
@require_POST
def cancel(request: HttpRequest, order_id: str) -> HttpResponse:
    def action(*, order_id: str, user):
        return services.cancel_order(order_id=order_id, user=user, reason="用户取消")

    return _order_action(request, order_id, action, _("订单已取消，库存、优惠券和积分已退回"))


@login_required
@require_POST
def receive(request: HttpRequest, order_id: str) -> HttpResponse:
    return _order_action(request, order_id, services.confirm_receipt, _("已确认收货，欢迎评价商品"))


# --- Coupons and points (E8) ---------------------------------------------------------------------------------------


@login_required
@require_GET
def coupon_list(request: HttpRequest) -> HttpResponse:
    mine = list(selectors.list_user_coupons(user=request.user))
    claimed_ids = {uc.coupon_id for uc in mine}
    claimable = [c for c in selectors.list_claimable_coupons() if c.pk not in claimed_ids]
    return render(request, "orders/coupons.html", {"user_coupons": mine, "claimable": claimable, "now": timezone.now()})


@login_required
@require_POST
def coupon_claim(request: HttpRequest, coupon_id: int) -> HttpResponse:
    try:
        user_coupon = services.claim_coupon(user=request.user, coupon_id=coupon_id)
    except CommerceError as error:
        if _wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect("orders:coupons")
    if _wants_json(request):
        return JsonResponse({"ok": True, "user_coupon_id": user_coupon.pk})
    messages.success(request, _("已领取优惠券“%(name)s”") % {"name": user_coupon.coupon.name})
    return redirect("orders:coupons")


@login_required
@require_GET
def points(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.list_points_ledger(user=request.user), 20)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "orders/points.html",
        {
            "balance": selectors.get_points_balance(user_id=request.user.pk),
            "page": page,
            "entries": page.object_list,
            "points_per_yuan": settings.POINTS_PER_YUAN,
        },
    )
