"""Forms of the user center (SPEC A6, A8): they parse and check input field by field with Chinese messages;
the services in addresses.py / user_center.py / emails.py enforce the rules again."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from commerce.accounts.addresses import AddressInput
from commerce.accounts.areas import AreaNotFound, RegionMismatch, get_area_with_subs, list_provinces, resolve_region

MOBILE_MESSAGE = _("请输入正确的手机号（11 位，以 13-19 开头）")
TEL_MESSAGE = _("请输入正确的固定电话，例如 010-12345678")


def _interpolate(message: str, values: dict) -> str:
    return str(message) % values


# `_("...%(x)s") % values` at import time would freeze the message in the default language: these field
# messages are built when the module loads, so the interpolation waits until a message is shown.
interpolate_lazy = lazy(_interpolate, str)


class AreaChoiceField(forms.TypedChoiceField):
    """A select of areas whose choices only serve rendering: any integer code is accepted here and
    AddressForm.clean checks it exists and nests, with a message saying which level is wrong."""

    def valid_value(self, value: object) -> bool:
        return True


def _area_field(label: str, what: str) -> AreaChoiceField:
    return AreaChoiceField(
        label=label,
        coerce=int,
        choices=[],
        error_messages={
            "required": interpolate_lazy(_("请选择%(what)s"), {"what": what}),
            "invalid_choice": interpolate_lazy(_("请选择有效的%(what)s"), {"what": what}),
        },
    )


def _text_field(label: str, max_length: int, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": interpolate_lazy(_("请填写%(label)s"), {"label": label}),
            "max_length": interpolate_lazy(_("%(label)s最多 %(max)d 个字"), {"label": label, "max": max_length}),
        },
    )


class AddressForm(forms.Form):
    """One delivery address. Area selects hold statistical codes; the city and district choices follow the
    submitted (or current) province and city, so the page works before address-form.js runs."""

    title = _text_field(_("地址名称"), 20, required=False)
    receiver = _text_field(_("收货人"), 20)
    province = _area_field(_("所在省份"), _("省份"))
    city = _area_field(_("所在城市"), _("城市"))
    district = _area_field(_("所在区县"), _("区县"))
    place = _text_field(_("详细地址"), 100)
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=11,
        validators=[RegexValidator(r"^1[3-9]\d{9}$", MOBILE_MESSAGE)],
        error_messages={"required": _("请填写手机号"), "max_length": MOBILE_MESSAGE},
    )
    tel = forms.CharField(
        label=_("固定电话"),
        max_length=20,
        required=False,
        validators=[RegexValidator(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$", TEL_MESSAGE)],
        error_messages={"max_length": TEL_MESSAGE},
    )
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        error_messages={"invalid": _("请输入正确的邮箱地址"), "max_length": _("邮箱地址太长")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("请选择省份"))] + [(p["id"], p["name"]) for p in list_provinces()]
        self.fields["city"].choices = [("", _("请选择城市"))] + self._subs_of("province")
        self.fields["district"].choices = [("", _("请选择区县"))] + self._subs_of("city")
        for name in ("province", "city", "district"):
            self.fields[name].widget.attrs["data-area-level"] = name
        self.fields["mobile"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "tel"})

    def _subs_of(self, name: str) -> list[tuple[int, str]]:
        raw = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        try:
            code = int(raw)
            return [(sub["id"], sub["name"]) for sub in get_area_with_subs(code)["subs"]]
        except (TypeError, ValueError, AreaNotFound):
            return []

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and {"province", "city", "district"} <= cleaned.keys():
            try:
                resolve_region(
                    province_id=cleaned["province"], city_id=cleaned["city"], district_id=cleaned["district"]
                )
            except RegionMismatch as exc:
                self.add_error(exc.field, exc.message)
        return cleaned

    def to_input(self) -> AddressInput:
        data = self.cleaned_data
        return AddressInput(
            title=data["title"] or data["receiver"],
            receiver=data["receiver"],
            province_id=data["province"],
            city_id=data["city"],
            district_id=data["district"],
            place=data["place"],
            mobile=data["mobile"],
            tel=data["tel"],
            email=data["email"],
        )

    @classmethod
    def initial_for(cls, address) -> dict:
        return {
            "title": address.title,
            "receiver": address.receiver,
            "province": address.province_id,
            "city": address.city_id,
            "district": address.district_id,
            "place": address.place,
            "mobile": address.mobile,
            "tel": address.tel,
            "email": address.email,
        }


class AddressTitleForm(forms.Form):
    title = _text_field(_("地址名称"), 20)


class EmailForm(forms.Form):
    email = forms.CharField(
        label=_("邮箱"),
        max_length=254,
        error_messages={"required": _("请填写邮箱地址"), "max_length": _("邮箱地址太长")},
    )


class ChangePasswordForm(forms.Form):
    """Old password, then a new one (8-20 characters) twice."""

    old_password = forms.CharField(
        label=_("当前密码"), strip=False, widget=forms.PasswordInput, error_messages={"required": _("请输入当前密码")}
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        min_length=8,
        max_length=20,
        widget=forms.PasswordInput,
        error_messages={
            "required": _("请输入新密码"),
            "min_length": _("密码长度为 8-20 个字符"),
            "max_length": _("密码长度为 8-20 个字符"),
        },
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"),
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": _("请再次输入新密码")},
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        new1, new2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        elif new1:
            try:
                password_validation.validate_password(new1, self.user)
            except ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned
