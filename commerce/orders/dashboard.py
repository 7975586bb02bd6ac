"""Figures for the operators' dashboard "运营概况" (SPEC I): orders, sales, users and visits of a Beijing day.

Read-only. Every day is a calendar day in Asia/Shanghai, whatever the server's or the admin user's time zone:
an order placed at 23:30 Beijing time on the 10th counts for the 10th.

Definitions (also in docs/operators.md):
- 订单数: orders placed that day, in any status (cancelled ones included: they were placed).
- 有效订单 / 销售额: orders placed that day that are paid online or cash on delivery and not cancelled
  (status 待发货, 待收货, 待评价 or 已完成), and the sum of their `pay_amount`. A cancelled or refunded order
  leaves the sales of its day.
- 新用户: accounts created that day; 活跃用户: accounts whose last login was that day.
- 退款: refund records created that day that have not finally failed (count and amount); they are the payments
  app's records, handed in by the caller (orders never imports payments).
- 商品排行: SKUs by pieces sold in the range's sold orders (amount = unit price the shopper saw x count).
- 新顾客 / 老顾客: shoppers with a sold order in the range whose first sold order is in the range / who also had
  one before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from commerce.catalog.selectors import (
    CategoryVisits,
    list_category_visits,
    list_category_visits_between,
    list_low_stock_skus,
)
from commerce.orders.models import Order, OrderLine, OrderStatus

BEIJING = ZoneInfo("Asia/Shanghai")
#: Statuses of an order whose money is (or, cash on delivery, will be) the shop's.
SOLD_STATUSES = (OrderStatus.TO_SHIP, OrderStatus.TO_RECEIVE, OrderStatus.TO_REVIEW, OrderStatus.FINISHED)
ZERO = Decimal("0.00")


def beijing_today(now: datetime | None = None) -> date:
    """Today's date in Beijing (`timezone.localdate` in Asia/Shanghai, whatever the active zone)."""
    return timezone.localdate(now or timezone.now(), BEIJING)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Beijing calendar day as aware datetimes."""
    start = datetime.combine(day, time.min, tzinfo=BEIJING)
    return start, start + timedelta(days=1)


def _sold_sum() -> Coalesce:
    return Coalesce(
        Sum("pay_amount", filter=Q(status__in=SOLD_STATUSES)),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


@dataclass(frozen=True)
class DayFigures:
    """The headline figures of one Beijing day: the dashboard's day and each day of a range."""

    day: date
    orders: int
    sold_orders: int
    sales: Decimal
    new_users: int
    active_users: int

    @property
    def average_order_value(self) -> Decimal:
        """销售额 / 有效订单数 (0 without sold orders)."""
        return (self.sales / self.sold_orders).quantize(ZERO) if self.sold_orders else ZERO


def get_day_figures(*, day: date) -> DayFigures:
    """The headline figures of one Beijing day (three queries)."""
    start, end = day_bounds(day)
    orders = Order.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        orders=Count("order_id"),
        sold_orders=Count("order_id", filter=Q(status__in=SOLD_STATUSES)),
        sales=_sold_sum(),
    )
    users = get_user_model().objects
    return DayFigures(
        day=day,
        orders=orders["orders"],
        sold_orders=orders["sold_orders"],
        sales=Decimal(orders["sales"]).quantize(ZERO),
        new_users=users.filter(date_joined__gte=start, date_joined__lt=end).count(),
        active_users=users.filter(last_login__gte=start, last_login__lt=end).count(),
    )


@dataclass(frozen=True)
class DailyOrders:
    day: date
    orders: int
    sales: Decimal


def list_daily_orders(*, end: date, days: int = 7) -> list[DailyOrders]:
    """Orders placed and sales per Beijing day for the `days` days ending with `end`, oldest first; days
    without orders are present with zeros (one query)."""
    first = end - timedelta(days=days - 1)
    start, _ = day_bounds(first)
    _, stop = day_bounds(end)
    rows = (
        Order.objects.filter(created_at__gte=start, created_at__lt=stop)
        .annotate(day=TruncDate("created_at", tzinfo=BEIJING))
        .values("day")
        .annotate(orders=Count("order_id"), sales=_sold_sum())
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        series.append(
            DailyOrders(
                day=day,
                orders=row["orders"] if row else 0,
                sales=Decimal(row["sales"]).quantize(ZERO) if row else ZERO,
            )
        )
    return series


def list_visits(*, day: date, limit: int = 20) -> list[CategoryVisits]:
    """Detail-page visits per category on `day`, busiest first (recorded by the catalog)."""
    return list_category_visits(day=day, limit=limit)


#: The longest range a report covers (a year and a day, so a whole leap year fits).
MAX_RANGE_DAYS = 366


#: Refunds per Beijing day: ``{day: (count, amount)}`` (the payments app's records; see `list_daily_figures`).
RefundsPerDay = Mapping[date, tuple[int, Decimal]]


@dataclass(frozen=True)
class DailyFigures(DayFigures):
    """One day of a range: the day's figures and its refunds."""

    refunds: int = 0
    refund_amount: Decimal = ZERO


def clamp_range(start: date, end: date) -> tuple[date, date]:
    """`start` <= `end` (swapped if reversed), at most MAX_RANGE_DAYS long (the end is kept)."""
    if end < start:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_RANGE_DAYS - 1)), end


def range_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) Beijing time."""
    return day_bounds(start)[0], day_bounds(end)[1]


def list_daily_figures(*, start: date, end: date, refunds: RefundsPerDay | None = None) -> list[DailyFigures]:
    """Every Beijing day from `start` to `end` (inclusive, at most MAX_RANGE_DAYS, oldest first) with its
    orders, sold orders, sales, new and active users, and the `refunds` handed in; days without any are zeros
    (three queries). Active users count accounts whose *latest* login fell on the day (Django keeps no login
    history)."""
    start, end = clamp_range(start, end)
    since, until = range_bounds(start, end)
    refunds = refunds or {}
    orders = {
        row["day"]: row
        for row in Order.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=BEIJING))
        .values("day")
        .annotate(
            orders=Count("order_id"),
            sold_orders=Count("order_id", filter=Q(status__in=SOLD_STATUSES)),
            sales=_sold_sum(),
        )
        .order_by("day")
    }
    users = get_user_model().objects

    def per_day(field: str) -> dict[date, int]:
        return dict(
            users.filter(**{f"{field}__gte": since, f"{field}__lt": until})
            .annotate(day=TruncDate(field, tzinfo=BEIJING))
            .values("day")
            .annotate(n=Count("pk"))
            .values_list("day", "n")
        )

    joined, active = per_day("date_joined"), per_day("last_login")
    series = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = orders.get(day)
        series.append(
            DailyFigures(
                day=day,
                orders=row["orders"] if row else 0,
                sold_orders=row["sold_orders"] if row else 0,
                sales=Decimal(row["sales"]).quantize(ZERO) if row else ZERO,
                new_users=joined.get(day, 0),
                active_users=active.get(day, 0),
                refunds=refunds.get(day, (0, ZERO))[0],
                refund_amount=Decimal(refunds.get(day, (0, ZERO))[1]).quantize(ZERO),
            )
        )
    return series


def total_figures(series: list[DailyFigures]) -> DailyFigures:
    """The range's totals (the `day` is the last day's); average order value follows from the sums."""
    return DailyFigures(
        day=series[-1].day if series else beijing_today(),
        orders=sum(f.orders for f in series),
        sold_orders=sum(f.sold_orders for f in series),
        sales=sum((f.sales for f in series), ZERO),
        new_users=sum(f.new_users for f in series),
        active_users=sum(f.active_users for f in series),
        refunds=sum(f.refunds for f in series),
        refund_amount=sum((f.refund_amount for f in series), ZERO),
    )


def list_low_stock(*, limit: int = 20) -> list:
    """Launched SKUs at or below their low-stock threshold, emptiest first (the catalog's selector)."""
    return list_low_stock_skus(limit=limit)


@dataclass(frozen=True)
class ProductSales:
    sku_id: int
    name: str
    count: int
    amount: Decimal


def list_top_products(*, start: date, end: date, limit: int = 10) -> list[ProductSales]:
    """The SKUs sold most (pieces) in the range's sold orders, with their amount; ties by amount (one query)."""
    start, end = clamp_range(start, end)
    since, until = range_bounds(start, end)
    rows = (
        OrderLine.objects.filter(
            order__created_at__gte=since, order__created_at__lt=until, order__status__in=SOLD_STATUSES
        )
        .values("sku_id")
        .annotate(
            name=Max("sku_name"),
            pieces=Sum("count"),
            amount=Sum(F("price") * F("count"), output_field=DecimalField(max_digits=14, decimal_places=2)),
        )
        .order_by("-pieces", "-amount", "sku_id")[:limit]
    )
    return [
        ProductSales(
            sku_id=row["sku_id"], name=row["name"], count=row["pieces"], amount=Decimal(row["amount"]).quantize(ZERO)
        )
        for row in rows
    ]


@dataclass(frozen=True)
class CustomerFigures:
    customers: int
    new: int
    returning: int


def get_customer_figures(*, start: date, end: date) -> CustomerFigures:
    """Shoppers with a sold order in the range: new (their first sold order is in it) and returning (they had one
    before it) (two queries)."""
    start, end = clamp_range(start, end)
    since, until = range_bounds(start, end)
    sold = Order.objects.filter(status__in=SOLD_STATUSES)
    buyers = sold.filter(created_at__gte=since, created_at__lt=until).values("user_id").distinct()
    customers = buyers.count()
    returning = sold.filter(created_at__lt=since, user_id__in=buyers).values("user_id").distinct().count()
    return CustomerFigures(customers=customers, new=customers - returning, returning=returning)


def list_visits_between(*, start: date, end: date, limit: int = 20) -> list[CategoryVisits]:
    """Detail-page visits per category over the range, busiest first (recorded by the catalog)."""
    start, end = clamp_range(start, end)
    return list_category_visits_between(start=start, end=end, limit=limit)
