"""Operators' pages for orders in the Wagtail admin (SPEC I): order detail, ship, cancel, the dashboard.

Entry points only: every change goes through `commerce.orders.services` (ship, cancel) and the state machine;
a refused change shows its Chinese message and changes nothing. Orders are read-only here: no add, edit or
delete view exists, for superusers neither.

Payments plug into the order pages through two Wagtail hooks, so orders never imports payments (the arrow is
orders -> payments, see ARCHITECTURE.md):

- ``ORDER_PANELS_HOOK``: ``fn(order) -> Component | None``; each component is shown on the order's detail page
  (payments shows its payment and refund records).
- ``ORDER_CANCEL_HOOK``: ``fn(*, request, order, reason) -> str | None``; asked first when an operator cancels
  an order. A function that takes the order over (payments: a paid Alipay order, cancelled and refunded by
  ``refund_order``) returns the success message or raises a ``CommerceError``; ``None`` means "not mine".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import InspectView
from wagtail.permissions import ModelPermissionPolicy

from commerce.errors import CommerceError
from commerce.orders import dashboard, services
from commerce.orders.errors import InvalidOrderNote, OrderNotFound
from commerce.orders.models import (
    Carrier,
    Coupon,
    Order,
    OrderStatus,
    PayMethod,
    PointsLedger,
    PointsReason,
    UserCoupon,
)
from commerce.orders.states import shopper_cancellable_from

logger = logging.getLogger(__name__)

ORDER_PANELS_HOOK = "orders_admin_order_panels"
ORDER_CANCEL_HOOK = "orders_admin_cancel_order"

SHIP_PERMISSION = "orders.ship_order"
CANCEL_PERMISSION = "orders.cancel_order"
DASHBOARD_PERMISSION = "orders.view_dashboard"
NOTE_PERMISSION = "orders.add_order_note"
VIEW_PERMISSION = "orders.view_order"
BULK_SHIP_LIMIT = 100


# --- Permissions ----------------------------------------------------------------------------------------------


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody (superusers included) may add, change or delete."""

    refused = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.refused and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a not in self.refused])


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Coupons are switched off (``is_active``), never deleted: claimed ones are referenced by shoppers' rows."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


def can_view_dashboard(user) -> bool:
    return user.has_perm(DASHBOARD_PERMISSION)


# --- Filters and forms ------------------------------------------------------------------------------------------


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


# --- Order detail -----------------------------------------------------------------------------------------------


def extra_order_panels(order: Order) -> list[Component]:
    """Components other apps contribute to the order's detail page (``ORDER_PANELS_HOOK``)."""
    panels = []
    for fn in hooks.get_hooks(ORDER_PANELS_HOOK):
        panel = fn(order)
        if panel is not None:
            panels.append(panel)
    return panels


def _ship_allowed(order: Order) -> bool:
    return order.status == OrderStatus.UNSEND


def _cancel_allowed(order: Order) -> bool:
    return order.status in (OrderStatus.UNPAID, OrderStatus.UNSEND)


class OrderInspectView(InspectView):
    """Everything about one order on one page, with the ship and cancel buttons the operator may use."""

    template_name = "orders/admin/order_inspect.html"

    def get_object(self, queryset=None):
        order = Order.objects.select_related("user").filter(pk=str(self.pk)[:40]).first()
        if order is None:
            raise Http404(_("订单不存在"))
        return order

    def get_fields(self):
        return []

    def get_page_subtitle(self):
        return self.object.order_id

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        user = self.request.user
        context.update(
            {
                "order": order,
                "lines": list(order.lines.select_related("sku").order_by("id")),
                "coupon_uses": list(UserCoupon.objects.filter(used_order=order).select_related("coupon")),
                "points_entries": list(order.points_entries.order_by("created_at", "id")),
                "extra_panels": extra_order_panels(order),
                "can_ship": _ship_allowed(order) and user.has_perm(SHIP_PERMISSION),
                "ship_form": ShipForm(),
                "events": list(order.events.select_related("actor").order_by("created_at", "id")),
                "can_note": user.has_perm(NOTE_PERMISSION),
                "note_form": NoteForm(),
                "note_url": reverse("orders_admin:note", args=[order.order_id]),
                "packing_slip_url": reverse("orders_admin:packing_slip", args=[order.order_id]),
                "can_cancel": _cancel_allowed(order) and user.has_perm(CANCEL_PERMISSION),
                "ship_url": reverse("orders_admin:ship", args=[order.order_id]),
                "cancel_url": reverse("orders_admin:cancel", args=[order.order_id]),
                "OrderStatus": OrderStatus,
            }
        )
        return context


def _inspect_url(order_id: str) -> str:
    return reverse("orders_admin:inspect", args=[order_id])


def _index_or_inspect(order_id: str) -> HttpResponse:
    if Order.objects.filter(pk=order_id[:40]).exists():
        return redirect(_inspect_url(order_id))
    return redirect("orders_admin:index")


@require_POST
def ship_order(request: HttpRequest, pk: str) -> HttpResponse:
    """发货 with a carrier and tracking number: UNSEND -> UNRECEIVED through the orders service; a refused move
    (bad tracking number, wrong state) shows its message and changes nothing."""
    if not request.user.has_perm(SHIP_PERMISSION):
        raise PermissionDenied
    form = ShipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择快递公司并填写运单号"))
        return _index_or_inspect(pk)
    try:
        order = services.ship_order(order_id=pk, actor=request.user, **form.cleaned_data)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        logger.info("order %s shipped by operator %s", order.pk, request.user.pk)
        messages.success(request, _("订单 %(order_id)s 已发货") % {"order_id": order.order_id})
    return _index_or_inspect(pk)


def bulk_ship(request: HttpRequest) -> HttpResponse:
    """批量发货: the orders waiting to be shipped (oldest first), each with a carrier and tracking number; the
    checked rows are shipped one by one through the orders service, and each refusal is reported by order."""
    if not request.user.has_perm(SHIP_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        shipped, failed = [], []
        for order_id in request.POST.getlist("order")[:BULK_SHIP_LIMIT]:
            order_id = order_id[:40]
            try:
                services.ship_order(
                    order_id=order_id,
                    carrier=request.POST.get(f"carrier-{order_id}", ""),
                    tracking_no=request.POST.get(f"tracking-{order_id}", ""),
                    actor=request.user,
                )
            except CommerceError as error:
                failed.append(f"{order_id}：{error.message}")
            else:
                shipped.append(order_id)
        if shipped:
            messages.success(request, _("已发货 %(count)s 单") % {"count": len(shipped)})
        for line in failed:
            messages.error(request, line)
        if not shipped and not failed:
            messages.warning(request, _("请勾选要发货的订单"))
        return redirect("orders_admin:bulk_ship")
    orders = list(Order.objects.filter(status=OrderStatus.UNSEND).order_by("created_at")[:BULK_SHIP_LIMIT])
    return TemplateResponse(
        request,
        "orders/admin/bulk_ship.html",
        {"orders": orders, "carriers": Carrier.choices, "page_title": _("批量发货"), "limit": BULK_SHIP_LIMIT},
    )


def packing_slip(request: HttpRequest, pk: str) -> HttpResponse:
    """A printable packing slip (配货单): receiver, address and the lines to pack, without prices."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    order = Order.objects.filter(pk=pk[:40]).first()
    if order is None:
        raise Http404(_("订单不存在"))
    return TemplateResponse(
        request,
        "orders/admin/packing_slip.html",
        {
            "order": order,
            "lines": list(order.lines.order_by("id")),
            "printed_at": timezone.localtime(timezone.now(), dashboard.BEIJING),
        },
    )


@require_POST
def add_note(request: HttpRequest, pk: str) -> HttpResponse:
    """An operator's note on the order's timeline."""
    if not request.user.has_perm(NOTE_PERMISSION):
        raise PermissionDenied
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidOrderNote()
        services.add_order_note(order_id=pk, text=form.cleaned_data["text"], actor=request.user)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("备注已添加"))
    return _index_or_inspect(pk)


def cancel_order(request: HttpRequest, pk: str) -> HttpResponse:
    """取消订单: confirm (GET), then cancel (POST). A paid order is taken over by the cancel hook (payments
    refunds it through ``refund_order``); an unpaid or cash-on-delivery order is cancelled by the orders
    service, which gives back stock, coupon and points once."""
    if not request.user.has_perm(CANCEL_PERMISSION):
        raise PermissionDenied
    order = Order.objects.filter(pk=pk[:40]).first()
    if order is None:
        messages.error(request, OrderNotFound.default_message)
        return redirect("orders_admin:index")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].strip() or _("运营取消订单")
        try:
            message = _cancel(request, order, reason)
        except CommerceError as error:
            messages.error(request, error.message)
        else:
            logger.info("order %s cancelled by operator %s", order.pk, request.user.pk)
            messages.success(request, message)
        return redirect(_inspect_url(order.order_id))
    paid_online = order.pay_method == PayMethod.ALIPAY and order.status != OrderStatus.UNPAID
    return TemplateResponse(
        request,
        "orders/admin/cancel_confirm.html",
        {
            "order": order,
            "form": form,
            "paid_online": paid_online,
            "allowed": _cancel_allowed(order),
            "page_title": _("取消订单"),
        },
    )


def _cancel(request: HttpRequest, order: Order, reason: str) -> str:
    for fn in hooks.get_hooks(ORDER_CANCEL_HOOK):
        message = fn(request=request, order=order, reason=reason)
        if message:
            return message
    if order.pay_method == PayMethod.ALIPAY and order.status == OrderStatus.UNSEND:
        # Paid online, but nobody took the refund over: never cancel it without giving the money back.
        raise CommerceError(_("该订单已在线支付，但没有找到可退款的支付记录，不能取消"), code="refund_unavailable")
    services.cancel_order(
        order_id=order.order_id, reason=reason, allowed_from=shopper_cancellable_from(order), actor=request.user
    )
    return _("订单 %(order_id)s 已取消，库存、优惠券和积分已退回") % {"order_id": order.order_id}


# --- Dashboard --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar and where its two captions go (SVG user units)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    """A bar chart laid out for inline SVG: the template only draws what is computed here."""

    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    horizontal: bool = False

    @property
    def empty(self) -> bool:
        return not self.bars


def _fmt(value: Decimal | int) -> str:
    return f"¥{value:,.2f}" if isinstance(value, Decimal) else str(value)


def column_chart(title: str, points: list[tuple[str, Decimal | int]], *, width=560, height=220) -> BarChart:
    """Vertical bars, one per point (label under it, value above it), scaled to the largest value."""
    top, bottom, side = 24.0, 28.0, 8.0
    peak = max((value for _label, value in points), default=0) or 1
    slot = (width - 2 * side) / max(len(points), 1)
    usable = height - top - bottom
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(float(value) / float(peak) * usable, 1)
        x = round(side + index * slot + slot * 0.15, 1)
        y = round(top + usable - bar_height, 1)
        bar_width = round(slot * 0.7, 1)
        centre = round(x + bar_width / 2, 1)
        bars.append(
            Bar(
                x=x,
                y=y,
                width=bar_width,
                height=bar_height,
                label=label,
                value=_fmt(value),
                label_x=centre,
                label_y=height - 8.0,
                value_x=centre,
                value_y=round(y - 6, 1),
            )
        )
    return BarChart(title=title, width=width, height=height, baseline=top + usable, bars=bars)


def row_chart(title: str, points: list[tuple[str, int]], *, width=560, row=26) -> BarChart:
    """Horizontal bars (label left, value right), for per-category visits."""
    label_width, value_width = 140.0, 60.0
    peak = max((value for _label, value in points), default=0) or 1
    usable = width - label_width - value_width
    bars = []
    for index, (label, value) in enumerate(points):
        bar_width = round(max(float(value) / float(peak) * usable, 1.0), 1)
        y = float(index * row + 4)
        bars.append(
            Bar(
                x=label_width,
                y=y,
                width=bar_width,
                height=float(row - 8),
                label=label,
                value=_fmt(value),
                label_x=label_width - 6,
                label_y=y + 13,
                value_x=label_width + bar_width + 6,
                value_y=y + 13,
            )
        )
    return BarChart(title=title, width=width, height=max(len(points), 1) * row, baseline=0, bars=bars, horizontal=True)


def _requested_day(request: HttpRequest, today: date) -> date:
    day = parse_date_safely(request.GET.get("day", ""))
    return day if day is not None and day <= today else today


def parse_date_safely(text: str) -> date | None:
    try:
        return parse_date((text or "").strip()[:10])
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30
        return None


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """运营概况: a Beijing day's orders, sales, new and active users and visits, and the 7 days up to it."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied
    today = dashboard.beijing_today()
    day = _requested_day(request, today)
    figures = dashboard.get_day_figures(day=day)
    previous = dashboard.get_day_figures(day=day - timedelta(days=1))
    week = dashboard.list_daily_orders(end=day, days=7)
    visits = dashboard.list_visits(day=day)
    return TemplateResponse(
        request,
        "orders/admin/dashboard.html",
        {
            "day": day,
            "is_today": day == today,
            "figures": figures,
            "previous": previous,
            "week": week,
            "visits": visits,
            "orders_chart": column_chart(_("近 7 天订单数"), [(f"{p.day:%m-%d}", p.orders) for p in week]),
            "sales_chart": column_chart(_("近 7 天销售额"), [(f"{p.day:%m-%d}", p.sales) for p in week]),
            "visits_chart": row_chart(_("分类访问量"), [(v.name, v.count) for v in visits]),
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1) if day < today else None,
            "low_stock": dashboard.list_low_stock(),
            **_range_context(request, today),
        },
    )


def _requested_range(request: HttpRequest, today: date) -> tuple[date, date]:
    """`?start=&end=` (Beijing days, not after today); a missing or bad bound falls back to the 30 days up to today."""
    end = parse_date_safely(request.GET.get("end", ""))
    end = end if end is not None and end <= today else today
    start = parse_date_safely(request.GET.get("start", ""))
    if start is None or start > end:
        start = end - timedelta(days=29)
    return max(start, end - timedelta(days=dashboard.MAX_RANGE_DAYS - 1)), end


def _range_context(request: HttpRequest, today: date) -> dict:
    start, end = _requested_range(request, today)
    series = dashboard.list_daily_figures(start=start, end=end)
    return {
        "range_start": start,
        "range_end": end,
        "range_days": series,
        "range_total": dashboard.total_figures(series),
    }


def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The range's daily figures as CSV for Excel: UTF-8 with a BOM, labels in the admin's language, Beijing days,
    a 合计 row last."""
    import csv

    if not can_view_dashboard(request.user):
        raise PermissionDenied
    context = _range_context(request, dashboard.beijing_today())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"dashboard-{context['range_start']:%Y%m%d}-{context['range_end']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("日期（北京时间）"),
            _("订单数"),
            _("有效订单数"),
            _("销售额（元）"),
            _("客单价（元）"),
            _("新增用户"),
            _("活跃用户"),
        ]
    )

    def row(label: str, f: dashboard.DailyFigures) -> list:
        return [
            label,
            f.orders,
            f.sold_orders,
            f"{f.sales:.2f}",
            f"{f.average_order_value:.2f}",
            f.new_users,
            f.active_users,
        ]

    for figures in context["range_days"]:
        writer.writerow(row(f"{figures.day:%Y-%m-%d}", figures))
    writer.writerow(row(_("合计"), context["range_total"]))
    return response


class DashboardSummaryPanel(Component):
    """The admin home's summary of today (shown to users who may see the dashboard)."""

    name = "orders_dashboard_summary"
    template_name = "orders/admin/home_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        today = dashboard.beijing_today()
        context.update(
            {
                "figures": dashboard.get_day_figures(day=today),
                "dashboard_url": reverse("orders_dashboard"),
            }
        )
        return context
