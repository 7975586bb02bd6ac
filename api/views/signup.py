"""Image captcha, SMS codes, registration and login by SMS code (SPEC A1-A4) for apps: the same captcha and
SMS services and the site's own register and SMS-login forms, answering a JWT pair instead of a session."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import SignupForm
from allauth.utils import get_form_class
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from api.schema import errors
from api.serializers import (
    RegisterSerializer,
    SmsCodeRequestSerializer,
    SmsCodeSentSerializer,
    SmsLoginSerializer,
    TokenPairSerializer,
)
from api.throttles import AddressRateThrottle, LoginRateThrottle, client_address
from api.views.accounts import token_pair
from api.views.base import ApiView, body, clean_form
from commerce.accounts import captcha, services, sms
from commerce.accounts.forms import SmsLoginForm

API_PURPOSES = {sms.SmsPurpose.REGISTER, sms.SmsPurpose.LOGIN}


def _sms_window_key(request) -> str:
    """The SMS resend window is kept per browser session on the site; an app has none, so per address."""
    return f"api:{client_address(request)}"


class CaptchaView(ApiView):
    throttle_classes: list[type[BaseThrottle]] = [AddressRateThrottle]

    @extend_schema(responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY), **errors(400)}, tags=["signup"])
    def get(self, request, captcha_id: str):
        """A fresh captcha image for the app-made uuid `captcha_id` (send its text with POST sms-codes/)."""
        png = captcha.create_captcha(captcha_id=captcha_id, client_ip=client_address(request))
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "no-store"
        return response


class SmsCodeView(ApiView):
    @extend_schema(
        request=SmsCodeRequestSerializer, responses={200: SmsCodeSentSerializer, **errors(400)}, tags=["signup"]
    )
    def post(self, request):
        """Text a 6-digit code to `mobile` for registering or logging in; the captcha is checked (and spent) first."""
        data = body(request)
        purpose = data.get("purpose")
        if not isinstance(purpose, str) or purpose not in API_PURPOSES:
            raise sms.SmsError(_("不支持的短信类型"), code="purpose_invalid", field="purpose")
        mobile = data.get("mobile") if isinstance(data.get("mobile"), str) else ""
        remaining = sms.request_sms_code(
            mobile=mobile,
            purpose=purpose,
            ip=client_address(request),
            session_key=_sms_window_key(request),
            captcha_id=str(data.get("image_code_id") or ""),
            captcha_text=str(data.get("image_code") or ""),
        )
        return Response({"mobile": services.mask_mobile(mobile), "remaining": remaining})


def signup_form_class():
    """The register form the site's register page uses (settings.ACCOUNT_FORMS["signup"])."""
    return get_form_class(allauth_settings.FORMS, "signup", SignupForm)


class RegisterView(ApiView):
    throttle_classes = [AddressRateThrottle, LoginRateThrottle]

    @extend_schema(
        request=RegisterSerializer, responses={201: TokenPairSerializer, **errors(400)}, tags=["signup"], auth=[]
    )
    def post(self, request):
        """Create an account with the texted code (purpose register) and answer a token pair, logged in."""
        data = body(request)
        form = signup_form_class()(
            data={
                "username": data.get("username", ""),
                "password1": data.get("password", ""),
                "password2": data.get("password2", ""),
                "phone": data.get("mobile", ""),
                "sms_code": data.get("sms_code", ""),
                "allow": data.get("allow") is True or data.get("allow") in ("true", "1", "on"),
            }
        )
        if not form.is_valid():
            renamed = {"password1": "password", "phone": "mobile"}
            form.errors.update({renamed.pop(k): form.errors.pop(k) for k in list(renamed) if k in form.errors})
            clean_form(form)
        user = form.save(request._request)
        return Response(token_pair(user, cart_token=data.get("cart_token")), status=status.HTTP_201_CREATED)


class SmsLoginView(ApiView):
    throttle_classes = [AddressRateThrottle, LoginRateThrottle]

    @extend_schema(
        request=SmsLoginSerializer, responses={200: TokenPairSerializer, **errors(400)}, tags=["auth"], auth=[]
    )
    def post(self, request):
        """Log in with the code texted for purpose `login`: a token pair."""
        data = body(request)
        form = SmsLoginForm(data={"mobile": data.get("mobile", ""), "sms_code": data.get("sms_code", "")})
        clean_form(form)
        return Response(token_pair(form.user, cart_token=data.get("cart_token")))
