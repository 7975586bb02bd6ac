"""Cart entry points (SPEC D3): the cart page and small JSON endpoints used by cart.js and minicart.js.

Thin: parse the payload, call one service, answer with the fresh cart. Errors answer
``{"ok": false, "code", "message"}`` with a 4xx status; nothing a client sends yields a 500.
JSON endpoints accept a JSON body or ordinary form fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from commerce import jsonbody
from commerce.cart import services
from commerce.cart.errors import CartError, CartErrorCode, InvalidInput
from commerce.cart.storage import cart_for_request

MAX_BODY = 16 * 1024


def _payload(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        if len(request.body) > MAX_BODY:
            raise InvalidInput(_("请求内容过大"), code=CartErrorCode.BAD_REQUEST)
        try:
            data = jsonbody.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(_("请求格式不正确"), code=CartErrorCode.BAD_REQUEST) from exc
        if not isinstance(data, dict):
            raise InvalidInput(_("请求格式不正确"), code=CartErrorCode.BAD_REQUEST)
        return data
    data: dict = {key: request.POST.get(key) for key in request.POST}
    if "sku_ids" in request.POST:
        data["sku_ids"] = request.POST.getlist("sku_ids")
    return data


def _require(data: dict, key: str, message: str) -> object:
    if data.get(key) in (None, ""):
        raise InvalidInput(message, code=f"missing_{key}")
    return data[key]


def _cart_response(request: HttpRequest, message: str = "", **extra: object) -> JsonResponse:
    summary = services.get_cart_summary(cart=cart_for_request(request))
    return JsonResponse(
        {"ok": True, "message": message, "count": summary.total_count, "cart": summary.as_dict(), **extra}
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("cart:list")


def json_endpoint(view: Callable[[HttpRequest, dict], JsonResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """POST-only JSON view: CartError -> its message and status.

    A plain form post (no JavaScript) gets the same work done and a redirect with a flash message instead:
    to the cart on success, back to the page it came from on error.
    """

    @wraps(view)
    @never_cache
    @require_POST
    def wrapper(request: HttpRequest) -> HttpResponse:
        wants_json = _wants_json(request)
        try:
            response = view(request, _payload(request))
        except CartError as error:
            if wants_json:
                return JsonResponse(error.as_dict(), status=error.http_status)
            messages.error(request, error.message)
            return redirect(_back(request))
        if wants_json:
            return response
        message = json.loads(response.content).get("message")
        if message:
            messages.success(request, message)
        return redirect("cart:list")

    return wrapper


@json_endpoint
def add(request: HttpRequest, data: dict) -> JsonResponse:
    sku_id = services.parse_sku_id(_require(data, "sku_id", _("请选择商品")))
    count = services.parse_count(data.get("count", 1))
    cart = cart_for_request(request)
    new_count = services.add_to_cart(cart=cart, sku_id=sku_id, count=count)
    return _cart_response(request, _("已加入购物车"), sku_id=sku_id, sku_count=new_count)


@json_endpoint
def update(request: HttpRequest, data: dict) -> JsonResponse:
    sku_id = services.parse_sku_id(_require(data, "sku_id", _("请选择商品")))
    count = services.parse_count(data["count"]) if data.get("count") is not None else None
    selected = services.parse_selected(data["selected"]) if data.get("selected") is not None else None
    if count is None and selected is None:
        raise InvalidInput(_("请填写购买数量"), code=CartErrorCode.MISSING_COUNT)
    cart = cart_for_request(request)
    if count is not None:
        services.change_count(cart=cart, sku_id=sku_id, count=count)
    if selected is not None:
        services.set_selected(cart=cart, sku_ids=[sku_id], selected=selected)
    return _cart_response(request)


@json_endpoint
def select(request: HttpRequest, data: dict) -> JsonResponse:
    ids = services.parse_sku_ids(data.get("sku_ids", data.get("sku_id")))
    selected = services.parse_selected(data.get("selected", True))
    services.set_selected(cart=cart_for_request(request), sku_ids=ids, selected=selected)
    return _cart_response(request)


@json_endpoint
def select_all(request: HttpRequest, data: dict) -> JsonResponse:
    selected = services.parse_selected(data.get("selected", True))
    services.select_all(cart=cart_for_request(request), selected=selected)
    return _cart_response(request)


@json_endpoint
def delete(request: HttpRequest, data: dict) -> JsonResponse:
    ids = services.parse_sku_ids(data.get("sku_ids", data.get("sku_id")))
    services.remove_from_cart(cart=cart_for_request(request), sku_ids=ids)
    return _cart_response(request, _("已删除"))


@never_cache
@require_safe
def lines(request: HttpRequest) -> JsonResponse:
    return _cart_response(request)


@never_cache
@ensure_csrf_cookie
@require_safe
def count(request: HttpRequest) -> JsonResponse:
    """The mini-cart number for every page (also hands out the CSRF cookie cart.js needs)."""
    return JsonResponse({"ok": True, "count": services.count_cart_units(cart=cart_for_request(request))})


def _checkout_url() -> str:
    try:
        return reverse("orders:settlement")
    except NoReverseMatch:
        return ""


@never_cache
@ensure_csrf_cookie
@require_safe
def cart_page(request: HttpRequest) -> HttpResponse:
    summary = services.get_cart_summary(cart=cart_for_request(request))
    checkout_url = _checkout_url()
    if checkout_url and not request.user.is_authenticated:
        checkout_url = f"{settings.LOGIN_URL}?next={checkout_url}"
    return render(request, "cart/cart.html", {"summary": summary, "checkout_url": checkout_url})
