"""User center (SPEC A6, A8) and area (A9) entry points. Thin: parse input with a form, call one service,
turn its error into a message or a 404. Another user's address id is answered exactly like a missing one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from commerce import jsonbody
from commerce.accounts import addresses as address_service
from commerce.accounts import history
from commerce.accounts.areas import AreaNotFound, get_area_with_subs, list_provinces
from commerce.accounts.center_forms import AddressForm, AddressTitleForm, ChangePasswordForm, EmailForm
from commerce.accounts.emails import EmailChangeError, request_email_change
from commerce.accounts.user_center import PasswordChangeError, change_password, get_profile


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return _json({"code": code, "message": message}, status=status)


# --- Profile, email, password ------------------------------------------------------------------------


@login_required
@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request, EmailForm())


def _render_profile(request: HttpRequest, email_form: EmailForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "accounts/center/profile.html",
        {
            "center_section": "profile",
            "profile": get_profile(user=request.user),
            "email_form": email_form,
            "recent_skus": history.list_recent_skus(user_id=request.user.pk),
        },
        status=status,
    )


@login_required
@require_POST
def change_email(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            address = request_email_change(request=request, user=request.user, email=form.cleaned_data["email"])
        except EmailChangeError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("验证邮件已发送到 %(email)s，请在 24 小时内点击邮件中的链接完成验证") % {"email": address.email},
            )
            return redirect("accounts:center")
    return _render_profile(request, form, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change_password(
                request=request,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except PasswordChangeError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("密码已修改，其他设备上的登录已失效"))
            return redirect("accounts:center")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/center/password.html", {"center_section": "password", "form": form}, status=status)


# --- Addresses ----------------------------------------------------------------------------------------


@login_required
@require_safe
def address_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    addresses = address_service.list_addresses(user=user)
    return render(
        request,
        "accounts/center/addresses.html",
        {
            "center_section": "addresses",
            "addresses": addresses,
            "default_address_id": user.default_address_id,
            "max_addresses": address_service.MAX_ADDRESSES,
            "can_add": len(addresses) < address_service.MAX_ADDRESSES,
        },
    )


def _address_form_page(request: HttpRequest, form: AddressForm, address=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "accounts/center/address_form.html",
        {"center_section": "addresses", "form": form, "address": address},
        status=status,
    )


def _get_owned(request: HttpRequest, address_id: int):
    try:
        return address_service.get_address(user=request.user, address_id=address_id)
    except address_service.AddressNotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        if address_service.count_addresses(user=request.user) >= address_service.MAX_ADDRESSES:
            messages.error(request, address_service.AddressLimitReached().message)
            return redirect("accounts:addresses")
        return _address_form_page(request, AddressForm())
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            address_service.create_address(user=request.user, data=form.to_input())
        except address_service.AddressLimitReached as exc:
            messages.error(request, exc.message)
            return redirect("accounts:addresses")
        except address_service.AddressError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("收货地址已保存"))
            return redirect("accounts:addresses")
    return _address_form_page(request, form, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _get_owned(request, address_id)
    if request.method != "POST":
        return _address_form_page(request, AddressForm(initial=AddressForm.initial_for(address)), address)
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            address_service.update_address(user=request.user, address_id=address.pk, data=form.to_input())
        except address_service.AddressNotFound as exc:
            raise Http404(exc.message) from exc
        except address_service.AddressError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("收货地址已更新"))
            return redirect("accounts:addresses")
    return _address_form_page(request, form, address, status=400)


def _address_action(request: HttpRequest, address_id: int, action, done: str) -> HttpResponse:
    """Run an address service on one of the shopper's addresses (a foreign or missing one: 404), then back to
    the list with `done`."""
    try:
        action(user=request.user, address_id=address_id)
    except address_service.AddressNotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, done)
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    return _address_action(request, address_id, address_service.delete_address, _("收货地址已删除"))


@login_required
@require_POST
def address_set_default(request: HttpRequest, address_id: int) -> HttpResponse:
    return _address_action(request, address_id, address_service.set_default_address, _("已设为默认地址"))


@login_required
@require_POST
def address_title(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _get_owned(request, address_id)
    form = AddressTitleForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("accounts:addresses")
    try:
        address_service.rename_address(user=request.user, address_id=address.pk, title=form.cleaned_data["title"])
    except address_service.AddressNotFound as exc:
        raise Http404(exc.message) from exc
    except address_service.AddressError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("地址名称已修改"))
    return redirect("accounts:addresses")


# --- Areas (public JSON, cached in Redis) -------------------------------------------------------------


@require_safe
@cache_control(public=True, max_age=3600)
def areas(request: HttpRequest) -> JsonResponse:
    return _json({"code": "ok", "areas": list_provinces()})


@require_safe
def area_subs(request: HttpRequest, code: str) -> JsonResponse:
    try:
        area = get_area_with_subs(int(code) if code.isascii() and code.isdigit() else -1)
    except AreaNotFound:
        return _json_error("area_not_found", _("行政区划不存在：%(code)s") % {"code": code[:20]}, status=404)
    response = _json({"code": "ok", "area": area, "subs": area["subs"]})
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- Browsing history (JSON) --------------------------------------------------------------------------


def _sku_json(sku) -> dict[str, Any]:
    return {
        "id": sku.pk,
        "name": sku.name,
        "price": f"{sku.price:.2f}",
        "url": sku.get_absolute_url(),
        "image": sku.default_image.get_rendition("fill-200x200").url if sku.default_image_id else None,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def browse_histories(request: HttpRequest) -> JsonResponse:
    """GET: the shopper's last five SKUs. POST {sku_id}: put one at the head (unknown or unlaunched -> 400)."""
    if not request.user.is_authenticated:
        return _json_error("login_required", _("请先登录"), status=401)
    if request.method == "POST":
        raw: Any = request.POST.get("sku_id")
        if raw is None and request.content_type == "application/json":
            try:
                body = jsonbody.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                return _json_error("bad_request", _("请求格式错误"), status=400)
            raw = body.get("sku_id") if isinstance(body, dict) else None
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, str)):
                raise TypeError(raw)
            sku_id = int(raw)
        except (TypeError, ValueError):
            return _json_error("sku_id_invalid", _("请提供正确的商品编号"), status=400)
        try:
            history.add_visit(user_id=request.user.pk, sku_id=sku_id)
        except history.UnknownSKU:
            return _json_error("unknown_sku", _("商品不存在或已下架"), status=400)
    skus = history.list_recent_skus(user_id=request.user.pk)
    return _json({"code": "ok", "skus": [_sku_json(sku) for sku in skus]})
