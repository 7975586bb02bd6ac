"""Filter sets of the orders' admin listings (orders, points ledger, coupons)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from commerce.orders.models import Coupon, Order, OrderStatus, PayMethod, PointsLedger, PointsReason


class OrderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("订单状态"), choices=OrderStatus.choices)
    pay_method = django_filters.ChoiceFilter(label=gettext_lazy("支付方式"), choices=PayMethod.choices)
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("下单日期"), widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = ["status", "pay_method", "created_at"]


class PointsLedgerFilterSet(WagtailFilterSet):
    reason = django_filters.ChoiceFilter(label=gettext_lazy("原因"), choices=PointsReason.choices)
    created_at = django_filters.DateFromToRangeFilter(label=gettext_lazy("日期"), widget=DateRangePickerWidget)

    class Meta:
        model = PointsLedger
        fields = ["reason", "created_at"]


class CouponFilterSet(WagtailFilterSet):
    class Meta:
        model = Coupon
        fields = ["is_active"]
