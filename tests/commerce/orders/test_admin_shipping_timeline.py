"""Order staff ship with a carrier and tracking number (one order or many), print a packing slip, and read and
write the order's timeline (SPEC I); the shopper sees the shipment on the order page; content editors get none
of it."""

from __future__ import annotations

import pytest
from wagtail.test.utils import WagtailTestUtils

from commerce.orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from commerce.orders.services import cancel_order, confirm_receipt, mark_paid
from tests.commerce.orders.admin_support import SHIPMENT, messages_of, place_cod_order, status_of
from tests.commerce.payments.conftest import logged_in, place_alipay_order

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200, response.content.decode()[:2000]
    return WagtailTestUtils.get_soup(response.content)


# --- Shipping -----------------------------------------------------------------------------------------------------


def test_the_shopper_sees_the_carrier_and_tracking_number_the_clerk_shipped_with(clerk):  # noqa: F811
    order = place_cod_order()
    shopper_page = soup(logged_in(order.user).get(f"/orders/{order.order_id}/"))
    assert shopper_page.select_one("[data-shipment]").has_attr("hidden")

    clerk.post(f"/admin/orders/ship/{order.order_id}/", {"carrier": "zto", "tracking_no": " zt-778899001 "})

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_no) == (OrderStatus.TO_RECEIVE, "zto", "ZT-778899001")
    shipment = soup(logged_in(order.user).get(f"/orders/{order.order_id}/")).select_one("[data-shipment]")
    assert not shipment.has_attr("hidden")
    assert shipment.select_one("[data-carrier]").get_text() == "中通快递"
    assert shipment.select_one("[data-tracking-no]").get_text() == "ZT-778899001"
    admin_page = soup(clerk.get(f"/admin/orders/inspect/{order.order_id}/"))
    assert admin_page.select_one("[data-shipment] [data-tracking-no]").get_text() == "ZT-778899001"


@pytest.mark.parametrize(
    "data",
    [
        {"carrier": "", "tracking_no": "SF1234567890"},
        {"carrier": "sf", "tracking_no": ""},
        {"carrier": "nosuch", "tracking_no": "SF1234567890"},
        {"carrier": "sf", "tracking_no": "SF 123"},
        {"carrier": "sf", "tracking_no": "<script>alert(1)</script>"},
    ],
)
def test_shipping_without_a_good_carrier_and_tracking_number_changes_nothing(clerk, data):  # noqa: F811
    order = place_cod_order()

    response = clerk.post(f"/admin/orders/ship/{order.order_id}/", data, follow=True)

    assert response.status_code == 200
    assert any("快递公司" in m or "运单号" in m for m in messages_of(response))
    order.refresh_from_db()
    assert (order.status, order.tracking_no) == (OrderStatus.TO_SHIP, "")
    assert not order.events.exists()


def test_order_staff_bulk_ship_the_checked_orders_and_see_each_refusal(clerk):  # noqa: F811
    first, second, bad = place_cod_order(), place_cod_order(), place_cod_order()
    untouched = place_cod_order()
    unpaid = place_alipay_order()

    listing = soup(clerk.get("/admin/orders/"))
    assert listing.select_one('a[href="/admin/orders/bulk-ship/"]') is not None
    page = soup(clerk.get("/admin/orders/bulk-ship/"))
    rows = [row["data-order-row"] for row in page.select("[data-order-row]")]
    assert set(rows) == {first.order_id, second.order_id, bad.order_id, untouched.order_id}  # unpaid not listed

    data = {
        "order": [first.order_id, second.order_id, bad.order_id, unpaid.order_id],
        f"carrier-{first.order_id}": "sf",
        f"tracking-{first.order_id}": "SF0000000001",
        f"carrier-{second.order_id}": "jd",
        f"tracking-{second.order_id}": "JD0000000002",
        f"carrier-{bad.order_id}": "sf",
        f"tracking-{bad.order_id}": "x",
        f"carrier-{unpaid.order_id}": "sf",
        f"tracking-{unpaid.order_id}": "SF0000000003",
    }
    response = clerk.post("/admin/orders/bulk-ship/", data)

    assert response.status_code == 302 and response["Location"] == "/admin/orders/bulk-ship/"
    texts = messages_of(response)
    assert "已发货 2 单" in texts
    assert any(text.startswith(f"{bad.order_id}：运单号") for text in texts)
    assert any(text.startswith(f"{unpaid.order_id}：订单当前状态为“待支付”") for text in texts)
    shipped = dict(Order.objects.filter(status=OrderStatus.TO_RECEIVE).values_list("order_id", "tracking_no"))
    assert shipped == {first.order_id: "SF0000000001", second.order_id: "JD0000000002"}
    assert (status_of(bad), status_of(untouched), status_of(unpaid)) == (
        OrderStatus.TO_SHIP,
        OrderStatus.TO_SHIP,
        OrderStatus.UNPAID,
    )
    assert OrderEvent.objects.get(order=first).actor.username == "clerk"


def test_bulk_ship_needs_the_ship_permission_and_a_selection(clerk, editor):  # noqa: F811
    order = place_cod_order()
    data = {"order": [order.order_id], f"carrier-{order.order_id}": "sf", f"tracking-{order.order_id}": "SF12345678"}

    assert editor.get("/admin/orders/bulk-ship/").status_code in (302, 403)
    assert editor.post("/admin/orders/bulk-ship/", data).status_code in (302, 403)
    assert status_of(order) == OrderStatus.TO_SHIP
    assert "请勾选要发货的订单" in messages_of(clerk.post("/admin/orders/bulk-ship/", {}))
    assert 'href="/admin/orders/bulk-ship/"' not in editor.get("/admin/orders/").content.decode()


def test_the_packing_slip_lists_what_to_pack_and_where_without_prices(clerk, editor):  # noqa: F811
    order = place_cod_order(price="88.00", count=3)
    line = order.lines.get()

    page = soup(clerk.get(f"/admin/orders/packing-slip/{order.order_id}/"))

    assert page.select_one("[data-packing-slip]")["data-packing-slip"] == order.order_id
    assert page.select_one("[data-receiver]").get_text() == order.receiver
    assert page.select_one("[data-address]").get_text() == order.full_address
    cells = [td.get_text() for td in page.select("[data-slip-lines] tbody td")]
    assert cells[:3] == [str(line.sku_id), line.sku_name, "3"]
    assert "88.00" not in str(page.select_one("[data-slip-lines]"))
    assert clerk.get("/admin/orders/packing-slip/999/").status_code == 404
    assert editor.get(f"/admin/orders/packing-slip/{order.order_id}/").status_code in (302, 403)
    detail = soup(clerk.get(f"/admin/orders/inspect/{order.order_id}/"))
    assert detail.select_one("[data-packing-slip-link]")["href"] == f"/admin/orders/packing-slip/{order.order_id}/"


# --- Timeline -----------------------------------------------------------------------------------------------------


def timeline(client, order) -> list[list[str]]:
    page = soup(client.get(f"/admin/orders/inspect/{order.order_id}/"))
    return [[td.get_text(strip=True) for td in row.select("td")[1:]] for row in page.select("[data-timeline] tbody tr")]


def test_the_timeline_shows_payment_shipment_receipt_and_notes_with_who(clerk):  # noqa: F811
    order = place_alipay_order()
    mark_paid(order_id=order.order_id, trade_no="2026TRADE1", amount=order.pay_amount)
    clerk.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT)
    confirm_receipt(order_id=order.order_id, user=order.user)
    response = clerk.post(f"/admin/orders/note/{order.order_id}/", {"text": "客户来电：请放门卫室"})
    assert response.status_code == 302 and "备注已添加" in messages_of(response)

    assert timeline(clerk, order) == [
        ["支付", "待支付 → 待发货", f"¥{order.pay_amount} 2026TRADE1", "系统"],
        ["发货", "待发货 → 待收货", "顺丰速运 SF1234567890", "clerk"],
        ["状态变更", "待收货 → 待评价", "", order.user.username],
        ["运营备注", "", "客户来电：请放门卫室", "clerk"],
    ]


def test_cancels_are_on_the_timeline_with_the_reason_and_who(clerk):  # noqa: F811
    by_clerk, by_shopper, by_timeout = place_cod_order(), place_alipay_order(), place_alipay_order()
    clerk.post(f"/admin/orders/cancel/{by_clerk.order_id}/", {"reason": "客户要求取消"})
    cancel_order(order_id=by_shopper.order_id, user=by_shopper.user, reason="用户取消")
    cancel_order(order_id=by_timeout.order_id, reason="超时未支付，系统自动取消")

    assert timeline(clerk, by_clerk) == [["状态变更", "待发货 → 已取消", "客户要求取消", "clerk"]]
    assert timeline(clerk, by_shopper) == [["状态变更", "待支付 → 已取消", "用户取消", by_shopper.user.username]]
    assert timeline(clerk, by_timeout) == [["状态变更", "待支付 → 已取消", "超时未支付，系统自动取消", "系统"]]


def test_a_refused_transition_leaves_no_event(clerk):  # noqa: F811
    order = place_alipay_order()
    clerk.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT)
    assert not OrderEvent.objects.exists()


def test_notes_need_text_the_note_permission_and_post(clerk, editor):  # noqa: F811
    order = place_cod_order()

    assert "备注不能为空" in " ".join(messages_of(clerk.post(f"/admin/orders/note/{order.order_id}/", {"text": " "})))
    too_long = clerk.post(f"/admin/orders/note/{order.order_id}/", {"text": "长" * 301})
    assert too_long.status_code == 302
    assert clerk.get(f"/admin/orders/note/{order.order_id}/").status_code == 405
    assert editor.post(f"/admin/orders/note/{order.order_id}/", {"text": "hi"}).status_code in (302, 403)
    assert clerk.post("/admin/orders/note/123/", {"text": "hi"}).status_code == 302  # unknown: a message, no 500
    assert not OrderEvent.objects.filter(kind=OrderEventKind.NOTE).exists()
    assert soup(clerk.get(f"/admin/orders/inspect/{order.order_id}/")).select_one("[data-note-form]") is not None
