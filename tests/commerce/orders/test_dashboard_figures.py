"""运营概况 for a date range, beyond the daily rows (SPEC I): refunds from the payments app's records, top
products, new and returning customers, visits per category, the range's SVG charts and the CSV sections.
Beijing calendar days throughout; real rows, no stand-ins."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from wagtail.test.utils import WagtailTestUtils

from commerce.catalog.models import GoodsVisitCount
from commerce.orders import dashboard
from commerce.orders.admin.reports import refunds_per_day
from commerce.orders.models import Order, OrderLine, OrderStatus, PayMethod
from commerce.payments.models import Payment, PaymentSource, Refund, RefundStatus, RefundTrigger
from tests.commerce.orders.test_dashboard import beijing, clerk  # noqa: F401  (fixture)
from tests.factories import CategoryFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db

S = OrderStatus
START, END = date(2025, 11, 10), date(2025, 11, 11)
_numbers = itertools.count(1)


def order(user, created_at, status, lines=()) -> Order:
    amount = sum((Decimal(price) * count for _sku, price, count in lines), Decimal("1.00"))
    placed = Order.objects.create(
        order_id=f"9{next(_numbers):028d}",
        user=user,
        receiver="李四",
        full_address="北京市 市辖区 东城区 东长安街 1 号",
        mobile="13800138000",
        total_count=sum(count for _sku, _price, count in lines) or 1,
        total_amount=amount,
        pay_amount=amount,
        pay_method=PayMethod.ALIPAY,
        status=status,
        created_at=created_at,
    )
    for sku, price, count in lines:
        OrderLine.objects.create(order=placed, sku=sku, sku_name=sku.name, price=Decimal(price), count=count)
    return placed


def refund(created_at, amount: str, status: str) -> Refund:
    number = next(_numbers)
    payment = Payment.objects.create(
        order_id=f"8{number:028d}",
        trade_no=f"T{number}",
        amount=Decimal("500.00"),
        source=PaymentSource.values[0],
    )
    row = Refund.objects.create(
        payment=payment,
        order_id=payment.order_id,
        out_request_no=f"R{number}",
        amount=Decimal(amount),
        reason="测试退款",
        trigger=RefundTrigger.OPERATOR,
        status=status,
    )
    Refund.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


@pytest.fixture
def range_data():
    pen, ink = SKUFactory(name="钢笔"), SKUFactory(name="墨水")
    old, fresh, cancelled_only, earlier_only = (UserFactory(username=n) for n in ("old", "fresh", "gone", "earlier"))
    # old: bought before the range and in it -> returning; fresh: first purchase in it -> new.
    order(old, beijing(11, 1), S.FINISHED, [(ink, "9.00", 1)])
    order(old, beijing(11, 11, 0, 5), S.TO_SHIP, [(pen, "10.00", 2), (ink, "100.00", 1)])
    order(fresh, beijing(11, 10, 8), S.TO_RECEIVE, [(pen, "10.00", 1)])
    # Not customers of the range: only a cancelled order in it; only an order before it; an order after it.
    order(cancelled_only, beijing(11, 11, 9), S.CANCELED, [(ink, "100.00", 5)])
    order(earlier_only, beijing(11, 9, 23, 59), S.FINISHED, [(ink, "100.00", 7)])
    order(earlier_only, beijing(11, 12, 0, 0), S.TO_SHIP, [(ink, "100.00", 7)])
    # Refunds: 00:10 on the 11th in Beijing is still the 10th in UTC; failed ones and the 12th are left out.
    refund(beijing(11, 11, 0, 10), "50.00", RefundStatus.SUCCEEDED)
    refund(beijing(11, 10, 15), "20.00", RefundStatus.PENDING)
    refund(beijing(11, 11, 16), "99.00", RefundStatus.FAILED)
    refund(beijing(11, 12, 0, 1), "70.00", RefundStatus.SUCCEEDED)
    phones, laptops = CategoryFactory(name="手机"), CategoryFactory(name="笔记本")
    GoodsVisitCount.objects.create(category=phones, date=START, count=5)
    GoodsVisitCount.objects.create(category=phones, date=END, count=40)
    GoodsVisitCount.objects.create(category=laptops, date=END, count=44)
    GoodsVisitCount.objects.create(category=laptops, date=date(2025, 11, 12), count=500)
    return pen, ink


def test_refunds_per_beijing_day_from_the_payments_records(range_data):
    assert refunds_per_day(START, END) == {
        START: (1, Decimal("20.00")),
        END: (1, Decimal("50.00")),
    }
    series = dashboard.list_daily_figures(start=START, end=END, refunds=refunds_per_day(START, END))
    assert [(f.refunds, f.refund_amount) for f in series] == [(1, Decimal("20.00")), (1, Decimal("50.00"))]
    total = dashboard.total_figures(series)
    assert (total.refunds, total.refund_amount) == (2, Decimal("70.00"))


def test_top_products_count_pieces_of_sold_orders_in_the_range(range_data):
    pen, ink = range_data
    assert dashboard.list_top_products(start=START, end=END) == [
        dashboard.ProductSales(sku_id=pen.pk, name="钢笔", count=3, amount=Decimal("30.00")),
        dashboard.ProductSales(sku_id=ink.pk, name="墨水", count=1, amount=Decimal("100.00")),
    ]


def test_new_and_returning_customers(range_data):
    assert dashboard.get_customer_figures(start=START, end=END) == dashboard.CustomerFigures(
        customers=2, new=1, returning=1
    )
    # The 12th alone: "earlier" bought before it, so a returning customer.
    assert dashboard.get_customer_figures(start=date(2025, 11, 12), end=date(2025, 11, 12)) == (
        dashboard.CustomerFigures(customers=1, new=0, returning=1)
    )


def test_visits_per_category_are_summed_over_the_range(range_data):
    visits = dashboard.list_visits_between(start=START, end=END)
    assert [(v.name, v.count) for v in visits] == [("手机", 45), ("笔记本", 44)]


def test_the_page_shows_the_range_figures_and_charts(range_data, clerk):  # noqa: F811
    response = clerk.get("/admin/dashboard/", {"start": "2025-11-10", "end": "2025-11-11"})
    page = WagtailTestUtils.get_soup(response.content)

    total = [cell.get_text() for cell in page.select("[data-range-total] th")]
    assert total[-2:] == ["2", "¥70.00"]
    customers = page.select_one("[data-range-customers]")
    assert [customers.select_one(f"[data-{n}]").get_text() for n in ("customers", "new-customers")] == ["2", "1"]
    assert customers.select_one("[data-returning-customers]").get_text() == "1"
    top = [[td.get_text() for td in row.select("td")] for row in page.select("[data-top-sku]")]
    assert top == [["1", "钢笔", "3", "¥30.00"], ["2", "墨水", "1", "¥100.00"]]
    assert [row.select("td")[0].get_text() for row in page.select("[data-range-category]")] == ["手机", "笔记本"]
    for name, bars in (("range_orders", 2), ("range_sales", 2), ("range_refunds", 2), ("range_top_products", 2)):
        chart = page.select_one(f'[data-chart="{name}"]')
        assert chart.select_one("svg") is not None and len(chart.select("[data-bar]")) == bars, name
    refunds = page.select('[data-chart="range_refunds"] [data-bar]')
    assert [(bar["data-label"], bar["data-value"]) for bar in refunds] == [("11-10", "¥20.00"), ("11-11", "¥50.00")]


def test_a_long_range_chart_keeps_its_labels_apart(clerk):  # noqa: F811
    page = WagtailTestUtils.get_soup(
        clerk.get("/admin/dashboard/", {"start": "2025-01-01", "end": "2025-03-31"}).content
    )
    bars = page.select('[data-chart="range_orders"] [data-bar]')
    assert len(bars) == 90
    captions = page.select('[data-chart="range_orders"] [data-bar] text')
    assert 8 <= len(captions) <= 10  # one label in nine, no value captions: the tooltips carry them


def test_the_csv_has_refunds_top_products_customers_and_visits(range_data, clerk):  # noqa: F811
    response = clerk.get("/admin/dashboard/export/", {"start": "2025-11-10", "end": "2025-11-11"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-2:] == ["退款笔数", "退款金额（元）"]
    assert [row[-2:] for row in rows[1:4]] == [["1", "20.00"], ["1", "50.00"], ["2", "70.00"]]
    assert rows[3][0] == "合计"
    assert rows[4:] == [
        [],
        ["商品销量排行", "商品", "销量（件）", "销售额（元）"],
        ["1", "钢笔", "3", "30.00"],
        ["2", "墨水", "1", "100.00"],
        [],
        ["下单顾客", "新顾客", "老顾客"],
        ["2", "1", "1"],
        [],
        ["分类", "访问量"],
        ["手机", "45"],
        ["笔记本", "44"],
    ]
