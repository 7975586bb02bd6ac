"""django-allauth adapters: our User.mobile as allauth's phone, A1's username and password rules, Chinese
error messages, mail through the Dramatiq mail actor, and QQ's unbound openid sent to our bind page."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from commerce.accounts import services
from commerce.accounts.models import mobile_validator
from commerce.mail import enqueue_message
from config.client_address import client_ip

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's login/signup rate limits key on the same address as captcha and SMS limits."""
        return client_ip(request)

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _("用户名或密码错误"),
        "phone_password_mismatch": _("手机号或密码错误"),
        "email_password_mismatch": _("邮箱或密码错误"),
        "invalid_login": _("账号或密码错误"),
        "too_many_login_attempts": _("登录失败次数过多，请稍后再试"),
        "username_taken": _("用户名已存在"),
        "phone_taken": _("该手机号已注册"),
        "email_taken": _("该邮箱已被其他账号使用"),
        "account_inactive": _("该账号已停用"),
        "unknown_phone": _("该手机号未注册"),
        "unknown_email": _("该邮箱未关联任何账号"),
    }

    # --- failed-login lock (A4): per account, whatever name was typed ---------------------------------
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The key of ACCOUNT_RATE_LIMITS["login_failed"]'s per-key rate: the account the typed name
        (username, mobile or email) belongs to, so one account gets 5 tries whichever name is used. A name
        of no account is counted by itself. The per-address rate ("ip") is allauth's and counts every try."""
        user = self._account_for_credentials(credentials)
        if user is not None:
            return f"user:{user.pk}"
        typed = next((credentials[k] for k in ("email", "phone", "username") if credentials.get(k)), "")
        return f"name:{str(typed).strip().lower()}"

    def _account_for_credentials(self, credentials: dict[str, Any]) -> AbstractBaseUser | None:
        from allauth.account.models import EmailAddress

        User = get_user_model()
        for name in (credentials.get("email"), credentials.get("phone"), credentials.get("username")):
            if not isinstance(name, str) or not name.strip() or len(name) > 254:
                continue
            name = name.strip()
            user = User.objects.filter(username__iexact=name).first() or User.objects.filter(mobile=name).first()
            if user is None and "@" in name:
                address = EmailAddress.objects.filter(email__iexact=name).select_related("user").first()
                user = address.user if address else User.objects.filter(email__iexact=name).first()
            if user is not None:
                return user
        return None

    def clear_login_failures(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Lift the password lock of `user` (after they proved ownership by resetting the password)."""
        from allauth.core import ratelimit

        ratelimit.clear(request, action="login_failed", key=f"user:{user.pk}")

    # --- phone = User.mobile -------------------------------------------------------------------------
    def phone_form_field(self, **kwargs: Any) -> forms.Field:
        kwargs.setdefault("label", _("手机号"))
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("validators", [mobile_validator])
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": _("请输入手机号"), "autocomplete": "tel", "type": "tel"})
        )
        kwargs.setdefault("error_messages", {"required": _("请输入手机号")})
        return forms.CharField(**kwargs)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        user.mobile, user.mobile_verified = phone, verified
        if user.pk:
            user.save(update_fields=["mobile", "mobile_verified"])

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        return (user.mobile, user.mobile_verified) if getattr(user, "mobile", None) else None

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        if user.mobile == phone:
            user.mobile_verified = True
            user.save(update_fields=["mobile_verified"])

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        return get_user_model().objects.filter(mobile=phone).first()

    def send_verification_code_sms(self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any) -> None:
        """Only allauth's own phone flows call this (off in our settings); ours go through commerce.accounts.sms."""
        from commerce.accounts.sms_backends import get_sms_backend

        get_sms_backend().send_code(mobile=phone, code=code, minutes=5, purpose="allauth")

    # --- A1 rules ------------------------------------------------------------------------------------
    def clean_username(self, username: str, shallow: bool = False) -> str:
        problem = services.username_problem(username)
        if problem:
            raise ValidationError(problem, code="username_invalid")
        return super().clean_username(username, shallow=shallow)

    def clean_password(self, password: str, user: AbstractBaseUser | None = None) -> str:
        problems = services.password_problems(password, user)
        if problems:
            raise ValidationError(problems)
        return password

    # --- mail through the worker ----------------------------------------------------------------------
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render in the web process (allauth's templates and context), deliver from the Dramatiq worker."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        enqueue_message(self.render_mail(template_prefix, email, ctx))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        """An unbound QQ openid goes to the bind page, carried in a signed, time-limited token (A5)."""
        if sociallogin.is_existing or sociallogin.account.provider != services.QQ_PROVIDER:
            return
        if request.user.is_authenticated:
            return  # "connect" from the user center: allauth binds to the signed-in user
        extra = sociallogin.account.extra_data or {}
        token = services.make_qq_bind_token(
            openid=sociallogin.account.uid,
            nickname=str(extra.get("nickname", "")),
            next_url=services.safe_next(request, (sociallogin.state or {}).get("next")),
        )
        url = reverse("accounts:qq_bind") + "?" + urlencode({"token": token})
        raise ImmediateHttpResponse(HttpResponseRedirect(url))

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin) -> bool:
        return False
