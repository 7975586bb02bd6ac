"""Input parsing for the order views: only ids, choices and numbers come from the client, never amounts
(the page total is sent back only so the server can notice it went stale)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commerce.orders.models import OrderStatus, PayMethod

MAX_ID = 2**63 - 1
MAX_POINTS = 10**9


class PlaceOrderForm(forms.Form):
    address_id = forms.IntegerField(min_value=1, max_value=MAX_ID, error_messages={"required": _("请选择收货地址")})
    pay_method = forms.ChoiceField(choices=PayMethod.choices, error_messages={"required": _("请选择支付方式")})
    token = forms.CharField(min_length=16, max_length=64, error_messages={"required": _("订单页面已过期，请刷新")})
    coupon_id = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    points = forms.IntegerField(min_value=0, max_value=MAX_POINTS, required=False)
    expected_total = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)

    @staticmethod
    def placement(data: dict) -> dict:
        """`services.place_order`'s keyword arguments (all but the user) from this form's cleaned data."""
        return {
            "address_id": data["address_id"],
            "pay_method": data["pay_method"],
            "token": data["token"],
            "coupon_id": data.get("coupon_id"),
            "points": data.get("points") or 0,
            "expected_total": data.get("expected_total"),
        }

    def first_error(self) -> str:
        labels = {
            "address_id": _("收货地址"),
            "pay_method": _("支付方式"),
            "token": _("订单令牌"),
            "coupon_id": _("优惠券"),
            "points": _("积分"),
            "expected_total": _("应付金额"),
        }
        for name, errors in self.errors.items():
            return gettext("%(field)s：%(error)s") % {"field": labels.get(name, name), "error": errors[0]}
        return gettext("提交的信息不正确")


class QuoteForm(forms.Form):
    """Settlement preview choices: coupon ("" = best, "none" = no coupon, or a claimed coupon id) and points."""

    coupon = forms.CharField(required=False, max_length=20)
    points = forms.IntegerField(min_value=0, max_value=MAX_POINTS, required=False)

    def coupon_choice(self) -> tuple[bool, int | None]:
        """(auto_coupon, coupon_id)."""
        raw = (self.cleaned_data.get("coupon") or "").strip()
        if raw == "":
            return True, None
        if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
            return False, int(raw)
        return False, None


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("全部订单")), *OrderStatus.choices], required=False)
