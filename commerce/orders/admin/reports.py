"""运营概况 in the Wagtail admin (SPEC I): the dashboard page, its CSV export and the admin home's panel.

Read-only; the figures come from `commerce.orders.dashboard`, the chart geometry from `charts`.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from commerce.money import format_yuan
from commerce.orders import dashboard
from commerce.orders.admin.charts import column_chart, row_chart
from commerce.orders.admin.policies import can_view_dashboard

#: ``fn(*, since: datetime, until: datetime) -> {day: (count, amount)}``: refunds per Beijing day created in
#: [since, until) that have not finally failed. Payments registers one (orders never imports payments).
REFUNDS_HOOK = "orders_dashboard_refunds"


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
    range_context = _range_context(request, today)
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
            **range_context,
            **_range_charts(range_context),
        },
    )


def _requested_range(request: HttpRequest, today: date) -> tuple[date, date]:
    """`?start=&end=` (Beijing days, not after today); a missing or bad bound falls back to the 30 days up to today."""
    end = parse_date_safely(request.GET.get("end", ""))
    end = end if end is not None and end <= today else today
    start = parse_date_safely(request.GET.get("start", ""))
    if start is None or start > end:
        start = end - timedelta(days=29)
    return dashboard.clamp_range(start, end)


def refunds_per_day(start: date, end: date) -> dashboard.RefundsPerDay:
    """Refunds per Beijing day from the apps that record them (``REFUNDS_HOOK``; payments)."""
    since, until = dashboard.range_bounds(start, end)
    merged: dict = {}
    for fn in hooks.get_hooks(REFUNDS_HOOK):
        for day, (count, amount) in fn(since=since, until=until).items():
            old_count, old_amount = merged.get(day, (0, dashboard.ZERO))
            merged[day] = (old_count + count, old_amount + amount)
    return merged


def _range_context(request: HttpRequest, today: date) -> dict:
    start, end = _requested_range(request, today)
    series = dashboard.list_daily_figures(start=start, end=end, refunds=refunds_per_day(start, end))
    top = dashboard.list_top_products(start=start, end=end)
    visits = dashboard.list_visits_between(start=start, end=end)
    return {
        "range_start": start,
        "range_end": end,
        "range_days": series,
        "range_total": dashboard.total_figures(series),
        "range_top_products": top,
        "range_customers": dashboard.get_customer_figures(start=start, end=end),
        "range_visits": visits,
    }


def _range_charts(context: dict) -> dict:
    days = context["range_days"]
    return {
        "range_orders_chart": column_chart(_("每日订单数"), [(f"{f.day:%m-%d}", f.orders) for f in days]),
        "range_sales_chart": column_chart(_("每日销售额"), [(f"{f.day:%m-%d}", f.sales) for f in days]),
        "range_refunds_chart": column_chart(_("每日退款金额"), [(f"{f.day:%m-%d}", f.refund_amount) for f in days]),
        "range_top_chart": row_chart(_("商品销量排行"), [(p.name, p.count) for p in context["range_top_products"]]),
        "range_visits_chart": row_chart(_("分类访问量"), [(v.name, v.count) for v in context["range_visits"]]),
    }


def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The range as CSV for Excel: UTF-8 with a BOM, labels in the admin's language, Beijing days; the daily rows
    with a 合计 row, then the top products, new and returning customers and visits per category."""
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
            _("退款笔数"),
            _("退款金额（元）"),
        ]
    )

    def row(label: str, f: dashboard.DailyFigures) -> list:
        return [
            label,
            f.orders,
            f.sold_orders,
            format_yuan(f.sales, symbol=False),
            format_yuan(f.average_order_value, symbol=False),
            f.new_users,
            f.active_users,
            f.refunds,
            format_yuan(f.refund_amount, symbol=False),
        ]

    for figures in context["range_days"]:
        writer.writerow(row(f"{figures.day:%Y-%m-%d}", figures))
    writer.writerow(row(_("合计"), context["range_total"]))

    writer.writerow([])
    writer.writerow([_("商品销量排行"), _("商品"), _("销量（件）"), _("销售额（元）")])
    for rank, product in enumerate(context["range_top_products"], start=1):
        writer.writerow([rank, product.name, product.count, format_yuan(product.amount, symbol=False)])

    customers = context["range_customers"]
    writer.writerow([])
    writer.writerow([_("下单顾客"), _("新顾客"), _("老顾客")])
    writer.writerow([customers.customers, customers.new, customers.returning])

    writer.writerow([])
    writer.writerow([_("分类"), _("访问量")])
    for visit in context["range_visits"]:
        writer.writerow([visit.name, visit.count])
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
