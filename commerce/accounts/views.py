"""Entry points of registration, captcha, SMS codes, login, QQ binding and password reset by SMS.
Thin: parse input, call one service, map CommerceError to a Chinese message (never a 500)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView

from commerce.accounts import captcha, services, sms
from commerce.accounts.errors import CAPTCHA_CODES, SMS_CODE_CODES
from commerce.accounts.forms import (
    QQBindForm,
    ResetPasswordForm,
    ResetStartForm,
    ResetVerifyForm,
    SmsLoginForm,
)
from commerce.errors import CommerceError
from config.client_address import client_ip

logger = logging.getLogger(__name__)

UNSAFE_NEXT_MESSAGE = gettext_lazy("跳转地址不安全，已忽略；登录后将回到首页")


def _json_error(exc: CommerceError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status, json_dumps_params={"ensure_ascii": False})


def _client_ip(request: HttpRequest) -> str:
    """The shopper's address behind the trusted proxies (settings.TRUSTED_PROXIES, config.client_address)."""
    return client_ip(request)


def _browser_session_key(request: HttpRequest) -> str:
    """This browser's session key, creating the session (and its cookie) when there is none yet."""
    request.session["sms_browser"] = True
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _warn_unsafe_next(request: HttpRequest) -> None:
    candidate = request.GET.get("next") or request.POST.get("next")
    if candidate and not services.safe_next(request, candidate):
        messages.warning(request, UNSAFE_NEXT_MESSAGE)


# --- A2 captcha ---------------------------------------------------------------------------------------
@require_GET
@never_cache
def image_code(request: HttpRequest, captcha_id: str) -> HttpResponse:
    try:
        png = captcha.create_captcha(captcha_id=captcha_id, client_ip=_client_ip(request))
    except CommerceError as exc:
        return _json_error(exc)
    return HttpResponse(png, content_type="image/png")


# --- A1 live checks -----------------------------------------------------------------------------------
def _taken_answer(taken: bool, code: str, message: str) -> JsonResponse:
    """The register form's live check: {"ok", "count" (the old API's 0/1), "code", "message" when taken}."""
    return JsonResponse(
        {"ok": not taken, "count": int(taken), "code": code if taken else "ok", "message": message if taken else ""}
    )


@require_GET
def username_check(request: HttpRequest, username: str) -> JsonResponse:
    problem = services.username_problem(username)
    if problem:
        return JsonResponse({"ok": False, "code": "username_invalid", "message": problem, "count": 0})
    return _taken_answer(services.is_username_taken(username), "username_taken", _("用户名已存在"))


@require_GET
def mobile_check(request: HttpRequest, mobile: str) -> JsonResponse:
    if not sms.MOBILE_RE.match(mobile):
        return JsonResponse({"ok": False, "code": "mobile_invalid", "message": _("请输入正确的手机号码"), "count": 0})
    return _taken_answer(services.is_mobile_taken(mobile), "mobile_taken", _("该手机号已注册"))


# --- A3 SMS code ----------------------------------------------------------------------------------------
@require_POST
def sms_code_send(request: HttpRequest) -> JsonResponse:
    """POST mobile, purpose, image_code_id, image_code (purpose "reset": token instead of the captcha)."""
    purpose = request.POST.get("purpose", sms.SmsPurpose.REGISTER)
    mobile = request.POST.get("mobile", "")
    captcha_verified = False
    try:
        if purpose == sms.SmsPurpose.RESET:
            user = services.read_reset_send_token(request.POST.get("token", ""))
            mobile, captcha_verified = user.mobile, True  # the captcha was step 1 of the signed flow
        elif purpose == sms.SmsPurpose.BIND:
            services.read_qq_bind_token(request.POST.get("token", ""))
        remaining = sms.request_sms_code(
            mobile=mobile,
            purpose=purpose,
            ip=_client_ip(request),
            session_key=_browser_session_key(request),
            captcha_id=request.POST.get("image_code_id", ""),
            captcha_text=request.POST.get("image_code", ""),
            captcha_verified=captcha_verified,
        )
    except CommerceError as exc:
        return _json_error(exc)
    return JsonResponse(
        {
            "ok": True,
            "code": "ok",
            "message": _("短信验证码已发送"),
            "remaining": remaining,
            "mobile": services.mask_mobile(mobile),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def sms_countdown(request: HttpRequest) -> JsonResponse:
    """The same remainder the websocket pushes, for clients without websockets."""
    remaining = sms.resend_remaining(session_key=request.session.session_key, mobile=request.GET.get("mobile", ""))
    return JsonResponse({"ok": True, "remaining": remaining})


# --- A1 / A4 allauth views with our templates -----------------------------------------------------------
class SafeNextMixin:
    """allauth validates `next` when redirecting but echoes it into the page as given; we echo safe ones only,
    and tell the shopper on the page (login and register alike) that an unsafe one was ignored (A4,
    docs/accounts.md). Only on GET: after a POST the shopper lands on "/", a static page that shows no messages,
    so a message queued then would surface later on an unrelated page."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            _warn_unsafe_next(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not services.safe_next(self.request, context.get("redirect_field_value")):
            context.update(redirect_field_value=None, redirect_field="")
        return context


class RegisterView(SafeNextMixin, allauth_views.SignupView):
    template_name = "account/signup.html"


class LoginView(SafeNextMixin, allauth_views.LoginView):
    template_name = "account/login.html"


# --- A4 login by SMS code ------------------------------------------------------------------------------
@method_decorator(never_cache, name="dispatch")
class SmsLoginView(FormView):
    template_name = "accounts/sms_login.html"
    form_class = SmsLoginForm

    def get(self, request, *args, **kwargs):
        _warn_unsafe_next(request)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = (
            services.safe_next(self.request, self.request.GET.get("next") or self.request.POST.get("next")) or ""
        )
        return context

    def form_valid(self, form):
        next_url = services.safe_next(self.request, self.request.POST.get("next"))
        response = perform_login(self.request, form.user, email_verification="none", redirect_url=next_url)
        self.request.session.set_expiry(settings.SESSION_COOKIE_AGE if form.cleaned_data.get("remember") else 0)
        return response


# --- A5 QQ bind page ------------------------------------------------------------------------------------
@never_cache
def qq_bind(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or ""
    try:
        payload = services.read_qq_bind_token(token)
    except CommerceError as exc:
        return render(request, "accounts/qq_bind_error.html", {"message": exc.message}, status=400)
    form = QQBindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.bind_qq_account(
                openid=payload["openid"],
                nickname=payload.get("nickname", ""),
                mobile=form.cleaned_data["mobile"],
                password=form.cleaned_data["password"],
                sms_code=form.cleaned_data["sms_code"],
            )
        except CommerceError as exc:
            field = exc.data.get("field") or ("sms_code" if exc.code in SMS_CODE_CODES else None)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            next_url = services.safe_next(request, payload.get("next")) or None
            return perform_login(request, user, email_verification="none", redirect_url=next_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/qq_bind.html",
        {"form": form, "token": token, "nickname": payload.get("nickname", "")},
        status=status,
    )


# --- A7 password reset by SMS (three signed steps) --------------------------------------------------------
@never_cache
def password_reset_sms_start(request: HttpRequest) -> HttpResponse:
    form = ResetStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            captcha.check_captcha(captcha_id=form.cleaned_data["image_code_id"], text=form.cleaned_data["image_code"])
            _user, token = services.start_sms_reset(login=form.cleaned_data["username"])
        except CommerceError as exc:
            field = exc.data.get("field") or ("image_code" if exc.code in CAPTCHA_CODES else None)
            form.add_error(field, exc.message)
        else:
            return redirect(reverse("accounts:password_reset_sms_verify") + "?" + urlencode({"token": token}))
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_sms_start.html", {"form": form}, status=status)


@never_cache
def password_reset_sms_verify(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or ""
    try:
        user = services.read_reset_send_token(token)
    except CommerceError as exc:
        return render(request, "accounts/password_reset_sms_error.html", {"message": exc.message}, status=400)
    form = ResetVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            next_token = services.verify_sms_reset(token=token, sms_code=form.cleaned_data["sms_code"])
        except CommerceError as exc:
            form.add_error("sms_code", exc.message)
        else:
            return redirect(reverse("accounts:password_reset_sms_new") + "?" + urlencode({"token": next_token}))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/password_reset_sms_verify.html",
        {"form": form, "token": token, "masked_mobile": services.mask_mobile(user.mobile)},
        status=status,
    )


@never_cache
def password_reset_sms_new(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or ""
    try:
        services.read_reset_password_token(token)
    except CommerceError as exc:
        return render(request, "accounts/password_reset_sms_error.html", {"message": exc.message}, status=400)
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.finish_sms_reset(
                token=token, password=form.cleaned_data["password"], password2=form.cleaned_data["password2"]
            )
        except CommerceError as exc:
            field = exc.data.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            get_adapter(request).clear_login_failures(request, user)  # the owner proved it: lift the lock
            messages.success(request, _("密码已重置，请使用新密码登录"))
            return redirect("account_login")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_sms_new.html", {"form": form, "token": token}, status=status)
