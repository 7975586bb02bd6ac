"""Order staff work orders in the Wagtail admin (SPEC I): list, search, filter, detail, ship, cancel (with the
Alipay refund for a paid order), coupons and the points ledger; content editors see none of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import SKU
from commerce.orders.models import Coupon, Order, OrderStatus, PayMethod, PointsLedger, PointsReason
from commerce.orders.services import adjust_points
from commerce.payments.models import Payment, PaymentStatus, Refund, RefundStatus, RefundTrigger
from commerce.payments.sandbox import protocol, store
from tests.commerce.orders.admin_support import (
    SHIPMENT,
    listed_order_ids,
    messages_of,
    place_cod_order,
    sidebar_text,
    staff_client,
    status_of,
)
from tests.commerce.payments.conftest import (
    live_gateway,  # noqa: F401  (fixture)
    logged_in,
    pay_in_sandbox,
    place_alipay_order,
    post_notify,
    signed_notify,
)
from tests.factories import UserFactory
from tests.support import wait_until

APP_ID = "2021000000000001"


ORDERS = "/admin/orders/"


# --- Listing ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_staff_search_orders_by_number_receiver_mobile_and_username(clerk):
    li = place_alipay_order(UserFactory(username="lisi"))
    wang = place_cod_order(UserFactory(username="wangwu"))
    Order.objects.filter(pk=wang.pk).update(receiver="王小五", mobile="13912345678")

    assert set(listed_order_ids(clerk.get(ORDERS))) == {li.order_id, wang.order_id}
    assert listed_order_ids(clerk.get(ORDERS, {"q": li.order_id})) == [li.order_id]
    assert listed_order_ids(clerk.get(ORDERS, {"q": "王小五"})) == [wang.order_id]
    assert listed_order_ids(clerk.get(ORDERS, {"q": "13912345678"})) == [wang.order_id]
    assert listed_order_ids(clerk.get(ORDERS, {"q": "lisi"})) == [li.order_id]


@pytest.mark.django_db
def test_order_staff_filter_orders_by_status_pay_method_and_date(clerk):
    unpaid = place_alipay_order()
    cod = place_cod_order()
    old = place_cod_order()
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate()

    assert listed_order_ids(clerk.get(ORDERS, {"status": OrderStatus.UNPAID})) == [unpaid.order_id]
    assert set(listed_order_ids(clerk.get(ORDERS, {"pay_method": PayMethod.CASH}))) == {cod.order_id, old.order_id}
    recent = clerk.get(ORDERS, {"created_at_from": (today - timedelta(days=7)).isoformat(), "created_at_to": today})
    assert set(listed_order_ids(recent)) == {unpaid.order_id, cod.order_id}


@pytest.mark.django_db
def test_listing_shows_user_amount_status_pay_method_and_no_add_button(clerk):
    order = place_cod_order(UserFactory(username="zhaoliu"), price="50.00", count=1)

    page = clerk.get(ORDERS).content.decode()

    created = timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")  # Beijing time in test settings
    for text in (order.order_id, "zhaoliu", "¥60.00", "待发货", "货到付款", created):
        assert text in page
    assert "/admin/orders/new/" not in page


# --- Detail -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_detail_shows_lines_address_snapshot_amounts_and_payment_panel(clerk):
    order = place_alipay_order(price="99.50", count=2)
    line = order.lines.get()

    response = clerk.get(f"/admin/orders/inspect/{order.order_id}/")

    assert response.status_code == 200
    soup = WagtailTestUtils.get_soup(response.content)
    lines = soup.select_one("[data-order-lines]").get_text(" ", strip=True)
    assert line.sku_name in lines and "¥99.50" in lines and "¥199.00" in lines
    address = soup.select_one("[data-address]").get_text(" ", strip=True)
    assert "张三" in address and "13800138000" in address and "东长安街 1 号" in address
    assert "¥209.00" in soup.select_one("[data-pay-amount]").get_text()
    assert "暂无在线支付记录" in soup.select_one("[data-order-payments]").get_text()
    assert soup.select_one("[data-ship-form]") is None  # unpaid: nothing to ship yet
    assert soup.select_one("[data-cancel-link]") is not None


@pytest.mark.django_db
def test_an_unknown_order_number_is_404_not_500(clerk):
    assert clerk.get("/admin/orders/inspect/99999999999/").status_code == 404
    assert clerk.get("/admin/orders/inspect/abc'--/").status_code == 404


@pytest.mark.django_db
def test_nobody_gets_an_add_edit_or_delete_view_for_orders(client):
    order = place_cod_order()
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))

    for path in ("new/", f"edit/{order.order_id}/", f"delete/{order.order_id}/", f"copy/{order.order_id}/"):
        assert client.get(f"/admin/orders/{path}").status_code == 404
    assert client.get(f"/admin/orders/inspect/{order.order_id}/").status_code == 200


# --- Ship ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_staff_ship_an_unsend_order(clerk):
    order = place_cod_order()

    response = clerk.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT)

    assert response.status_code == 302 and response["Location"] == f"/admin/orders/inspect/{order.order_id}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.TO_RECEIVE and order.shipped_at is not None
    assert (order.carrier, order.tracking_no) == ("sf", "SF1234567890")
    assert f"订单 {order.order_id} 已发货" in messages_of(response)


@pytest.mark.django_db
def test_shipping_an_unpaid_order_shows_the_state_machine_message_and_changes_nothing(clerk):
    order = place_alipay_order()

    response = clerk.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT, follow=True)

    assert response.status_code == 200
    assert "订单当前状态为“待支付”，不能变为“待收货”" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID and order.shipped_at is None


@pytest.mark.django_db
def test_ship_is_post_only_and_needs_the_ship_permission(clerk, editor):
    order = place_cod_order()

    assert clerk.get(f"/admin/orders/ship/{order.order_id}/").status_code == 405
    assert editor.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT).status_code in (302, 403)
    assert status_of(order) == OrderStatus.TO_SHIP
    assert clerk.post("/admin/orders/ship/123/", SHIPMENT).status_code == 302  # unknown: a message, no 500


@pytest.mark.django_db
def test_ship_refuses_a_request_without_the_csrf_token():
    groups = ensure_staff_groups()
    user = UserFactory(username="clerk")
    user.groups.add(groups[ORDER_STAFF])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    order = place_cod_order()

    assert client.post(f"/admin/orders/ship/{order.order_id}/").status_code == 403
    assert status_of(order) == OrderStatus.TO_SHIP


# --- Cancel -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_order_staff_cancel_an_unpaid_order_and_the_stock_comes_back(clerk):
    order = place_alipay_order(count=3, stock=10)
    sku = order.lines.get().sku
    assert SKU.objects.get(pk=sku.pk).stock == 7

    confirm = clerk.get(f"/admin/orders/cancel/{order.order_id}/")
    assert confirm.status_code == 200 and "data-refund-notice" not in confirm.content.decode()
    response = clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "客户电话要求取消"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.cancel_reason == "客户电话要求取消"
    sku.refresh_from_db()
    assert (sku.stock, sku.sales) == (10, 0)
    assert any("已取消" in text for text in messages_of(response))


@pytest.mark.django_db
def test_order_staff_cancel_an_unshipped_cash_on_delivery_order(clerk):
    order = place_cod_order(count=1, stock=5)

    clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": ""})

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.cancel_reason == "运营取消订单"
    assert SKU.objects.get(pk=order.lines.get().sku_id).stock == 5


@pytest.mark.django_db
def test_cancelling_a_shipped_order_is_refused_with_a_message(clerk):
    order = place_cod_order()
    clerk.post(f"/admin/orders/ship/{order.order_id}/", SHIPMENT)

    page = clerk.get(f"/admin/orders/cancel/{order.order_id}/").content.decode()
    response = clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "x"}, follow=True)

    assert "不能取消" in page and "data-cancel-form" not in page
    assert "订单当前状态为“待收货”，不能变为“已取消”" in response.content.decode()
    assert status_of(order) == OrderStatus.TO_RECEIVE


@pytest.mark.django_db
def test_a_paid_alipay_order_without_a_payment_record_is_never_cancelled_without_a_refund(clerk):
    from commerce.orders.services import mark_paid

    order = place_alipay_order()
    mark_paid(order_id=order.order_id)  # paid, but no Payment row (e.g. recorded outside this shop)

    response = clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "x"}, follow=True)

    assert "没有找到可退款的支付记录" in response.content.decode()
    assert status_of(order) == OrderStatus.TO_SHIP


@pytest.mark.django_db(transaction=True)
def test_order_staff_cancel_a_paid_alipay_order_and_it_is_refunded_through_the_sandbox(
    settings,
    live_gateway,  # noqa: F811
    dramatiq_worker,
):
    settings.ALIPAY_SANDBOX_NOTIFY_DELAY_MS = 600_000  # only the notify posted below settles the order
    clerk = staff_client(ORDER_STAFF, "clerk")
    order = place_alipay_order(count=2, stock=10)
    sku = order.lines.get().sku
    pay_in_sandbox(logged_in(order.user), order)
    assert post_notify(protocol.notify_params(store.get_trade(APP_ID, order.order_id))) == "success"
    assert status_of(order) == OrderStatus.TO_SHIP and SKU.objects.get(pk=sku.pk).stock == 8

    detail = clerk.get(f"/admin/orders/inspect/{order.order_id}/").content.decode()
    assert 'data-payment-status="paid"' in detail
    confirm = clerk.get(f"/admin/orders/cancel/{order.order_id}/").content.decode()
    assert "data-refund-notice" in confirm and "确认取消并退款" in confirm
    response = clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "缺货，取消订单"})

    assert response.status_code == 302
    assert any("正在原路退回支付宝" in text for text in messages_of(response))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED and order.cancel_reason == "缺货，取消订单"
    assert SKU.objects.get(pk=sku.pk).stock == 10
    refund = wait_until(lambda: Refund.objects.filter(status=RefundStatus.SUCCEEDED).first(), what="the refund")
    assert (refund.trigger, refund.operator.username, refund.amount) == (
        RefundTrigger.OPERATOR,
        "clerk",
        order.pay_amount,
    )
    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert store.get_trade(APP_ID, order.order_id)["trade_status"] == "TRADE_CLOSED"
    detail = clerk.get(f"/admin/orders/inspect/{order.order_id}/").content.decode()
    assert 'data-refund-status="succeeded"' in detail and "缺货，取消订单" in detail
    # The timeline: paid (the notify), cancelled and refund asked by the clerk, refund done (the worker).
    events = order.events.order_by("created_at", "id").values_list("kind", "to_status", "actor__username")
    assert list(events) == [
        ("payment", "unsend", None),
        ("status", "canceled", "clerk"),
        ("refund", "", "clerk"),
        ("refund", "", None),
    ]

    # A second cancel is refused by the state machine and refunds nothing more.
    again = clerk.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "again"}, follow=True)
    assert "不能变为“已取消”" in again.content.decode()
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_cancelling_a_paid_order_needs_the_refund_permission(client):
    from django.contrib.auth.models import Permission

    order = place_alipay_order()
    assert post_notify(signed_notify(order)) == "success"
    assert status_of(order) == OrderStatus.TO_SHIP
    user = UserFactory(username="half-clerk")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["wagtailadmin", "orders"],
            codename__in=["access_admin", "view_order", "cancel_order"],
        )
    )
    client.force_login(user)

    response = client.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "x"}, follow=True)

    assert "您没有退款权限" in response.content.decode()
    assert status_of(order) == OrderStatus.TO_SHIP and not Refund.objects.exists()


# --- Who sees what -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_content_editors_do_not_see_or_open_the_orders_admin(editor, clerk):
    order = place_cod_order()

    for path in (ORDERS, f"/admin/orders/inspect/{order.order_id}/", "/admin/coupons/", "/admin/points-ledger/"):
        assert editor.get(path).status_code in (302, 403), path
    assert editor.post(f"/admin/orders/cancel/{order.order_id}/", {"reason": "x"}).status_code in (302, 403)
    assert status_of(order) == OrderStatus.TO_SHIP
    assert "订单管理" not in sidebar_text(editor) and "运营概况" not in sidebar_text(editor)
    menu = sidebar_text(clerk)
    assert "订单管理" in menu and "/admin/orders/" in menu and "/admin/coupons/" in menu and "运营概况" in menu


# --- Coupons and points --------------------------------------------------------------------------------------------


def coupon_form(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "name": "满 200 减 30",
        "threshold": "200.00",
        "discount": "30.00",
        "valid_from": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "valid_until": (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "total": "100",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_order_staff_create_and_edit_a_full_reduction_coupon(clerk):
    response = clerk.post("/admin/coupons/new/", coupon_form())

    assert response.status_code == 302, response.content.decode()[:3000]
    coupon = Coupon.objects.get()
    assert (coupon.threshold, coupon.discount, coupon.total, coupon.issued) == (
        Decimal("200.00"),
        Decimal("30.00"),
        100,
        0,
    )
    assert clerk.post(f"/admin/coupons/edit/{coupon.pk}/", coupon_form(total="150")).status_code == 302
    coupon.refresh_from_db()
    assert coupon.total == 150
    listing = clerk.get("/admin/coupons/").content.decode()
    assert "满 200 减 30" in listing and "¥200.00" in listing
    assert clerk.get(f"/admin/coupons/delete/{coupon.pk}/").status_code in (302, 403)


@pytest.mark.django_db
def test_a_coupon_form_with_a_bad_window_discount_or_total_is_refused_with_messages(clerk):
    now = timezone.localtime()
    bad = clerk.post(
        "/admin/coupons/new/",
        coupon_form(
            discount="300.00",
            valid_until=(now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
        ),
    )
    assert bad.status_code == 200
    assert "失效时间必须晚于生效时间" in bad.content.decode() and "减免金额不能超过满减门槛" in bad.content.decode()
    assert not Coupon.objects.exists()

    clerk.post("/admin/coupons/new/", coupon_form())
    coupon = Coupon.objects.get()
    Coupon.objects.filter(pk=coupon.pk).update(issued=40)
    too_few = clerk.post(f"/admin/coupons/edit/{coupon.pk}/", coupon_form(total="10"))
    assert too_few.status_code == 200 and "发放总量不能少于已领取的数量（40 张）" in too_few.content.decode()
    assert Coupon.objects.get().total == 100


@pytest.mark.django_db
def test_order_staff_read_the_points_ledger_but_cannot_change_it(clerk):
    user = UserFactory(username="jifen")
    adjust_points(user_id=user.pk, delta=500, note="双十一补偿")

    listing = clerk.get("/admin/points-ledger/", {"q": "jifen"})
    reasons = clerk.get("/admin/points-ledger/", {"reason": PointsReason.SPEND_ORDER}).content.decode()

    assert listing.status_code == 200
    assert "jifen" in listing.content.decode() and "+500" in listing.content.decode()
    assert "双十一补偿" in listing.content.decode() and "双十一补偿" not in reasons
    entry = PointsLedger.objects.get()
    for path in ("new/", f"edit/{entry.pk}/", f"delete/{entry.pk}/"):
        assert clerk.get(f"/admin/points-ledger/{path}").status_code == 404


@pytest.mark.django_db
def test_order_staff_export_the_filtered_orders_as_csv(clerk):
    cod = place_cod_order()
    place_alipay_order()

    response = clerk.get(ORDERS, {"pay_method": PayMethod.CASH, "export": "csv"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert cod.order_id in body and body.count("\n") == 2  # heading + one order


@pytest.mark.django_db
def test_the_order_permissions_can_be_granted_in_wagtails_group_editor(client):
    group = ensure_staff_groups()[ORDER_STAFF]
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))

    page = client.get(f"/admin/groups/edit/{group.pk}/")

    assert page.status_code == 200
    assert "可以发货" in page.content.decode() and "可以查看运营概况" in page.content.decode()
