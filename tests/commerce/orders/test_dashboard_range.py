"""运营概况 over any date range (SPEC I): daily orders, sold orders, sales, average order value, new and active
users by Beijing day with a 合计 row, on the page and as a CSV Excel opens (UTF-8 BOM, Chinese labels)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import CONTENT_EDITORS
from commerce.orders import dashboard
from tests.commerce.orders.test_dashboard import (
    clerk,  # noqa: F401  (fixture)
    known_data,  # noqa: F401  (fixture)
    staff_client,
)

pytestmark = pytest.mark.django_db


def test_daily_figures_over_a_range_by_beijing_day(known_data):  # noqa: F811
    series = dashboard.list_daily_figures(start=date(2025, 11, 10), end=date(2025, 11, 11))

    assert [(f.day.day, f.orders, f.sold_orders, f.sales, f.new_users, f.active_users) for f in series] == [
        (10, 2, 2, Decimal("100.00"), 1, 1),
        (11, 5, 3, Decimal("160.50"), 2, 2),
    ]
    assert [f.average_order_value for f in series] == [Decimal("50.00"), Decimal("53.50")]
    total = dashboard.total_figures(series)
    assert (total.orders, total.sold_orders, total.sales, total.average_order_value) == (
        7,
        5,
        Decimal("260.50"),
        Decimal("52.10"),
    )


def test_a_range_has_every_day_and_is_capped_at_a_year(known_data):  # noqa: F811
    week = dashboard.list_daily_figures(start=date(2025, 11, 11), end=date(2025, 11, 5))  # reversed: swapped
    assert [f.day.day for f in week] == [5, 6, 7, 8, 9, 10, 11]
    assert [f.orders for f in week] == [1, 0, 0, 0, 0, 2, 5]
    long = dashboard.list_daily_figures(start=date(2020, 1, 1), end=date(2025, 11, 11))
    assert len(long) == dashboard.MAX_RANGE_DAYS and long[-1].day == date(2025, 11, 11)


def test_the_dashboard_shows_the_chosen_range_with_totals(known_data, clerk):  # noqa: F811
    response = clerk.get("/admin/dashboard/", {"day": "2025-11-11", "start": "2025-11-10", "end": "2025-11-11"})
    page = WagtailTestUtils.get_soup(response.content)

    assert [row["data-range-day"] for row in page.select("[data-range-day]")] == ["2025-11-10", "2025-11-11"]
    total = [cell.get_text() for cell in page.select("[data-range-total] th")]
    assert total == ["合计", "7", "5", "¥260.50", "¥52.10", "3", "3", "0", "¥0.00"]
    assert page.select_one("[data-export-link]")["href"] == "/admin/dashboard/export/?start=2025-11-10&end=2025-11-11"


@pytest.mark.parametrize("query", [{}, {"start": "garbage", "end": "2025-02-30"}, {"start": "2999-01-01"}])
def test_bad_range_bounds_fall_back_to_the_last_30_days(clerk, query):  # noqa: F811
    page = WagtailTestUtils.get_soup(clerk.get("/admin/dashboard/", query).content)
    days = [row["data-range-day"] for row in page.select("[data-range-day]")]
    assert len(days) == 30 and days[-1] == f"{dashboard.beijing_today():%Y-%m-%d}"


def test_the_csv_export_opens_in_excel_with_chinese_labels_and_a_total(known_data, clerk):  # noqa: F811
    response = clerk.get("/admin/dashboard/export/", {"start": "2025-11-10", "end": "2025-11-11"})

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dashboard-20251110-20251111.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = ["日期（北京时间）", "订单数", "有效订单数", "销售额（元）", "客单价（元）", "新增用户", "活跃用户"]
    assert rows[:4] == [
        [*header, "退款笔数", "退款金额（元）"],
        ["2025-11-10", "2", "2", "100.00", "50.00", "1", "1", "0", "0.00"],
        ["2025-11-11", "5", "3", "160.50", "53.50", "2", "2", "0", "0.00"],
        ["合计", "7", "5", "260.50", "52.10", "3", "3", "0", "0.00"],
    ]


def test_the_csv_export_in_english_has_english_labels(known_data, clerk):  # noqa: F811
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(clerk.get("/admin/").wsgi_request.user)
    profile.preferred_language = "en"
    profile.save()
    text = clerk.get("/admin/dashboard/export/", {"start": "2025-11-11", "end": "2025-11-11"}).content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Date (Beijing time)"
    # Every label row (the header, 合计 and each section's header) is English; names of categories and
    # products are the shop's data and stay as the editors wrote them.
    labels = [rows[0], rows[2][:1], *(rows[i + 1] for i, row in enumerate(rows) if not row)]
    assert labels and not any("\u4e00" <= ch <= "\u9fff" for row in labels for cell in row for ch in cell), labels


def test_content_editors_cannot_export():
    editor = staff_client(CONTENT_EDITORS, "editor")
    assert editor.get("/admin/dashboard/export/").status_code in (302, 403)
