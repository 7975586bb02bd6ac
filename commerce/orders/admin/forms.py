"""Forms of the orders' admin: the coupon form and the small forms of the order actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from commerce.orders.models import Carrier


class CouponAdminForm(WagtailAdminModelForm):
    """满 threshold 减 discount: a window that ends after it starts, a reduction not above the threshold, and a
    total never below what shoppers already claimed (the database refuses those too, with an error page)."""

    def clean(self):
        cleaned = super().clean()
        threshold, discount = cleaned.get("threshold"), cleaned.get("discount")
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        total = cleaned.get("total")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("失效时间必须晚于生效时间。"))
        if threshold is not None and discount is not None and threshold > 0 and discount > threshold:
            self.add_error("discount", _("减免金额不能超过满减门槛。"))
        issued = self.instance.issued if self.instance.pk else 0
        if total is not None and total < issued:
            self.add_error("total", _("发放总量不能少于已领取的数量（%(issued)s 张）。") % {"issued": issued})
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取消原因"),
        max_length=100,
        required=False,
        initial=gettext_lazy("运营取消订单"),
        widget=forms.TextInput(attrs={"size": 40}),
    )


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("快递公司"), choices=[("", "---------"), *Carrier.choices])
    tracking_no = forms.CharField(
        label=gettext_lazy("运单号"), max_length=40, widget=forms.TextInput(attrs={"size": 24})
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("备注"), max_length=300, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )
