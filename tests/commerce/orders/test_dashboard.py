"""The operators' dashboard 运营概况 (SPEC I): a Beijing day's orders, sales, new and active users and visits
per category, the 7 days up to it as SVG charts, and today's summary on the admin home."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import GoodsVisitCount
from commerce.orders import dashboard
from commerce.orders.models import Order, OrderStatus, PayMethod
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

BEIJING = dashboard.BEIJING
DAY = date(2025, 11, 11)
S = OrderStatus
_numbers = itertools.count(1)


def beijing(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=BEIJING)


def make_order(created_at: datetime, status: str, amount: str, pay_method: str = PayMethod.ALIPAY) -> Order:
    """An order row as placement leaves it (the dashboard only reads orders)."""
    return Order.objects.create(
        order_id=f"{next(_numbers):029d}",
        user=UserFactory(),
        receiver="张三",
        full_address="北京市 市辖区 东城区 东长安街 1 号",
        mobile="13800138000",
        total_count=1,
        total_amount=Decimal(amount),
        pay_amount=Decimal(amount),
        pay_method=pay_method,
        status=status,
        created_at=created_at,
    )


def set_user_times(username: str, *, joined: datetime, last_login: datetime | None = None) -> None:
    UserFactory(username=username)
    get_user_model().objects.filter(username=username).update(date_joined=joined, last_login=last_login)


@pytest.fixture
def known_data():
    # 11-11 (Beijing): 5 orders, 3 of them sold (paid online, cash on delivery, finished): ¥160.50.
    make_order(beijing(11, 11, 0, 30), S.TO_SHIP, "100.00")  # 11-10 16:30 UTC: still the 11th in Beijing
    make_order(beijing(11, 11, 12), S.TO_SHIP, "50.50", PayMethod.CASH)
    make_order(beijing(11, 11, 18), S.UNPAID, "30.00")
    make_order(beijing(11, 11, 23, 59), S.CANCELED, "20.00")
    make_order(beijing(11, 11, 20), S.FINISHED, "10.00")
    # 11-10: 2 orders, ¥100.00 (the first one second before midnight Beijing time).
    make_order(beijing(11, 10, 23, 59, 59), S.TO_SHIP, "99.00")
    make_order(beijing(11, 10, 10), S.TO_RECEIVE, "1.00")
    # 11-05 is inside the 7 days up to 11-11, 11-04 is not.
    make_order(beijing(11, 5, 9), S.TO_REVIEW, "5.00")
    make_order(beijing(11, 4, 9), S.TO_SHIP, "7.00")
    # Users: 2 joined on the 11th (one 10 minutes after midnight), 1 a few minutes before it;
    # 2 logged in on the 11th, 1 on the 10th.
    set_user_times("new-a", joined=beijing(11, 11, 0, 10), last_login=beijing(11, 11, 9))
    set_user_times("new-b", joined=beijing(11, 11, 22))
    set_user_times("old-c", joined=beijing(11, 10, 23, 50), last_login=beijing(11, 10, 23, 55))
    set_user_times("old-d", joined=beijing(10, 1), last_login=beijing(11, 11, 23, 59))
    # Visits: two categories on the 11th, one of them also on the 10th.
    phones, laptops, tvs = CategoryFactory(name="手机"), CategoryFactory(name="笔记本"), CategoryFactory(name="电视")
    GoodsVisitCount.objects.create(category=phones, date=DAY, count=30)
    GoodsVisitCount.objects.create(category=laptops, date=DAY, count=12)
    GoodsVisitCount.objects.create(category=laptops, date=date(2025, 11, 10), count=99)
    GoodsVisitCount.objects.create(category=tvs, date=DAY, count=0)


def staff_client(group: str, username: str) -> Client:
    user = UserFactory(username=username)
    user.groups.add(ensure_staff_groups()[group])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk() -> Client:
    return staff_client(ORDER_STAFF, "clerk")


# --- Figures -------------------------------------------------------------------------------------------------------


def test_day_figures_count_orders_sales_and_users_by_beijing_day(known_data):
    assert dashboard.get_day_figures(day=DAY) == dashboard.DayFigures(
        day=DAY, orders=5, sold_orders=3, sales=Decimal("160.50"), new_users=2, active_users=2
    )
    assert dashboard.get_day_figures(day=date(2025, 11, 10)) == dashboard.DayFigures(
        day=date(2025, 11, 10), orders=2, sold_orders=2, sales=Decimal("100.00"), new_users=1, active_users=1
    )


def test_seven_days_of_orders_include_empty_days_as_zeros(known_data):
    week = dashboard.list_daily_orders(end=DAY, days=7)

    assert [(p.day.day, p.orders, p.sales) for p in week] == [
        (5, 1, Decimal("5.00")),
        (6, 0, Decimal("0.00")),
        (7, 0, Decimal("0.00")),
        (8, 0, Decimal("0.00")),
        (9, 0, Decimal("0.00")),
        (10, 2, Decimal("100.00")),
        (11, 5, Decimal("160.50")),
    ]


def test_visits_per_category_of_the_day_busiest_first(known_data):
    assert [(v.name, v.count) for v in dashboard.list_visits(day=DAY)] == [("手机", 30), ("笔记本", 12)]


def test_beijing_today_turns_at_beijing_midnight():
    utc = timezone.get_fixed_timezone(0)
    assert dashboard.beijing_today(datetime(2025, 11, 10, 15, 59, 59, tzinfo=utc)) == date(2025, 11, 10)
    assert dashboard.beijing_today(datetime(2025, 11, 10, 16, 0, 0, tzinfo=utc)) == DAY


# --- The page ------------------------------------------------------------------------------------------------------


def figure_rows(response) -> dict[str, tuple[str, str]]:
    soup = WagtailTestUtils.get_soup(response.content)
    return {
        row["data-figure"]: (
            row.select_one("[data-value]").get_text(strip=True),
            row.select_one("[data-previous]").get_text(strip=True),
        )
        for row in soup.select("[data-figures] tr[data-figure]")
    }


def test_the_dashboard_shows_a_days_figures_against_the_day_before(known_data, clerk):
    response = clerk.get("/admin/dashboard/", {"day": "2025-11-11"})

    assert response.status_code == 200
    assert figure_rows(response) == {
        "orders": ("5", "2"),
        "sold_orders": ("3", "2"),
        "sales": ("¥160.50", "¥100.00"),
        "new_users": ("2", "1"),
        "active_users": ("2", "1"),
    }


def test_the_dashboard_draws_seven_days_and_the_visits_as_inline_svg(known_data, clerk):
    soup = WagtailTestUtils.get_soup(clerk.get("/admin/dashboard/", {"day": "2025-11-11"}).content)

    orders = [(g["data-label"], g["data-value"]) for g in soup.select("[data-chart=orders] svg g[data-bar]")]
    sales = [(g["data-label"], g["data-value"]) for g in soup.select("[data-chart=sales] svg g[data-bar]")]
    visits = [(g["data-label"], g["data-value"]) for g in soup.select("[data-chart=visits] svg g[data-bar]")]
    assert orders == [("11-05", "1"), ("11-06", "0"), ("11-07", "0"), ("11-08", "0"), ("11-09", "0"),
                      ("11-10", "2"), ("11-11", "5")]  # fmt: skip
    assert sales[-1] == ("11-11", "¥160.50") and sales[-2] == ("11-10", "¥100.00")
    assert visits == [("手机", "30"), ("笔记本", "12")]
    # The tallest bar is the busiest day; an empty day has no height.
    heights = [float(rect["height"]) for rect in soup.select("[data-chart=orders] svg rect")]
    assert heights[-1] == max(heights) > 0 and heights[1] == 0
    assert "<script" not in str(soup.select_one("[data-dashboard]"))


def test_the_dashboard_defaults_to_today_and_ignores_bad_or_future_days(clerk):
    make_order(timezone.now(), S.TO_SHIP, "12.00", PayMethod.CASH)
    today = dashboard.beijing_today()

    for query in ({}, {"day": "2025-02-30"}, {"day": "abc"}, {"day": "2999-01-01"}, {"day": "x" * 5000}):
        response = clerk.get("/admin/dashboard/", query)
        assert response.status_code == 200, query
        soup = WagtailTestUtils.get_soup(response.content)
        assert soup.select_one("[data-dashboard]")["data-day"] == today.isoformat()
        assert figure_rows(response)["orders"][0] == "1"


def test_the_admin_home_shows_todays_summary_to_order_staff_only(clerk):
    make_order(timezone.now(), S.TO_SHIP, "12.00", PayMethod.CASH)
    make_order(timezone.now(), S.UNPAID, "8.00")
    new_users_today = get_user_model().objects.count()  # the clerk and the two buyers joined just now

    soup = WagtailTestUtils.get_soup(clerk.get("/admin/").content)
    summary = soup.select_one("[data-dashboard-summary]")

    assert summary.select_one("[data-figure=orders]").get_text(strip=True) == "2"
    assert summary.select_one("[data-figure=sales]").get_text(strip=True) == "¥12.00"
    assert summary.select_one("[data-figure=new_users]").get_text(strip=True) == str(new_users_today)
    assert summary.select_one("[data-figure=active_users]").get_text(strip=True) == "1"  # the clerk's login

    editor = staff_client(CONTENT_EDITORS, "editor")
    assert "data-dashboard-summary" not in editor.get("/admin/").content.decode()
    assert editor.get("/admin/dashboard/").status_code in (302, 403)
