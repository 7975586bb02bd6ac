"""Forms of registration, login, QQ binding and password reset by SMS. Registration and login are
allauth's forms (ACCOUNT_FORMS) with A1's fields and Chinese messages added; the others are ours."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from commerce.accounts import services
from commerce.accounts.models import mobile_validator
from commerce.accounts.sms import SmsPurpose, verify_sms_code
from commerce.errors import CommerceError

REQUIRED = {
    "username": _("请输入用户名"),
    "password1": _("请输入密码"),
    "password2": _("请再次输入密码"),
    "phone": _("请输入手机号"),
    "sms_code": _("请输入短信验证码"),
    "allow": _("请勾选同意用户协议"),
    "login": _("请输入用户名、手机号或邮箱"),
    "password": _("请输入密码"),
    "mobile": _("请输入手机号"),
    "image_code": _("请输入图形验证码"),
    "password_new": _("请输入新密码"),
}


def _chinese_required(form: forms.Form) -> None:
    for name, field in form.fields.items():
        if name in REQUIRED:
            field.error_messages["required"] = REQUIRED[name]


def sms_code_field() -> forms.CharField:
    return forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"placeholder": _("6位数字"), "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


def mobile_field() -> forms.CharField:
    return forms.CharField(
        label=_("手机号"),
        max_length=11,
        validators=[mobile_validator],
        widget=forms.TextInput(attrs={"placeholder": _("请输入手机号"), "autocomplete": "tel", "type": "tel"}),
    )


class CaptchaFieldsMixin(forms.Form):
    """The image captcha's two inputs: the client-made uuid (hidden) and the text the shopper reads."""

    image_code_id = forms.CharField(widget=forms.HiddenInput, required=False)
    image_code = forms.CharField(
        label=_("图形验证码"), max_length=8, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class RegisterForm(SignupForm):
    """A1: username, password twice, mobile, image captcha (gates the SMS), SMS code, agreement."""

    image_code_id = forms.CharField(widget=forms.HiddenInput, required=False)
    image_code = forms.CharField(
        label=_("图形验证码"), max_length=8, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    sms_code = sms_code_field()
    allow = forms.BooleanField(label=_("我已阅读并同意《美好商城用户使用协议》"))

    field_order = ["username", "password1", "password2", "phone", "image_code_id", "image_code", "sms_code", "allow"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["username"].help_text = _("5-20个字符，字母、数字、下划线或减号，不能是纯数字")
        self.fields["username"].widget.attrs.update({"placeholder": _("请输入用户名"), "maxlength": "20"})
        self.fields["password1"].label = _("密码")
        self.fields["password1"].help_text = _("8-20位")
        self.fields["password1"].widget.attrs.update({"placeholder": _("8-20位密码"), "maxlength": "20"})
        self.fields["password2"].label = _("确认密码")
        self.fields["password2"].widget.attrs.update({"placeholder": _("再次输入密码"), "maxlength": "20"})
        self.fields["phone"].label = _("手机号")
        _chinese_required(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = self.data.get("password1"), self.data.get("password2")
        if "password2" in self.errors and password1 and password2 and password1 != password2:
            self.errors["password2"] = self.error_class([_("两次输入的密码不一致")])
        # The SMS code is checked (and spent) last, only when everything else holds, so a typo in another
        # field does not burn one of its five tries or the code itself.
        if not self.errors and cleaned.get("phone") and cleaned.get("sms_code"):
            try:
                verify_sms_code(mobile=cleaned["phone"], purpose=SmsPurpose.REGISTER, code=cleaned["sms_code"])
            except CommerceError as exc:
                self.add_error("sms_code", exc.message)
        return cleaned

    def signup(self, request, user) -> None:
        """allauth stored the mobile as unverified; our SMS code just verified it."""
        user.mobile_verified = True
        user.save(update_fields=["mobile_verified"])


class LoginForm(AllauthLoginForm):
    """A4: username, mobile or email with password, and "remember me" (allauth's flow and rate limits)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("账号")
        self.fields["login"].widget.attrs.update(
            {"placeholder": _("用户名 / 手机号 / 邮箱"), "autocomplete": "username"}
        )
        self.fields["password"].label = _("密码")
        self.fields["password"].widget.attrs.update({"placeholder": _("请输入密码")})
        if "remember" in self.fields:
            self.fields["remember"].label = _("记住登录")
        _chinese_required(self)


class SmsLoginForm(CaptchaFieldsMixin, forms.Form):
    mobile = mobile_field()
    sms_code = sms_code_field()
    remember = forms.BooleanField(label=_("记住登录"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _chinese_required(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        user = services.user_by_mobile(cleaned["mobile"])
        if user is None:
            self.add_error("mobile", _("该手机号未注册"))
            return cleaned
        try:
            verify_sms_code(mobile=cleaned["mobile"], purpose=SmsPurpose.LOGIN, code=cleaned["sms_code"])
        except CommerceError as exc:
            self.add_error("sms_code", exc.message)
            return cleaned
        self.user = user
        return cleaned


class QQBindForm(CaptchaFieldsMixin, forms.Form):
    """A5 bind page. The openid is not a field: it travels in the signed `token` query parameter."""

    mobile = mobile_field()
    password = forms.CharField(
        label=_("密码"),
        max_length=20,
        widget=forms.PasswordInput(attrs={"placeholder": _("已有账号填写登录密码，新账号设置8-20位密码")}),
    )
    sms_code = sms_code_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _chinese_required(self)


class ResetStartForm(CaptchaFieldsMixin, forms.Form):
    username = forms.CharField(
        label=_("用户名或手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("请输入用户名或手机号")}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image_code"].required = True
        _chinese_required(self)


class ResetVerifyForm(forms.Form):
    sms_code = sms_code_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _chinese_required(self)


class ResetPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("新密码"), max_length=20, widget=forms.PasswordInput(attrs={"placeholder": _("8-20位新密码")})
    )
    password2 = forms.CharField(
        label=_("确认新密码"), max_length=20, widget=forms.PasswordInput(attrs={"placeholder": _("再次输入新密码")})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _chinese_required(self)
        self.fields["password2"].error_messages["required"] = _("请再次输入新密码")
