"""Order staff look shoppers up by mobile, read a shopper's page (orders, addresses, points, coupons, comments,
last login), deactivate and reactivate them without filling any other field, and adjust points with a reason
(SPEC I); content editors get none of it, and staff accounts are never listed or deactivated here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils

from commerce.orders.models import Comment, PointsLedger, PointsReason, UserCoupon
from commerce.orders.services import adjust_points
from tests.commerce.orders.admin_support import messages_of, place_cod_order, sidebar_text
from tests.factories import CouponFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def soup(response):
    assert response.status_code == 200, response.content.decode()[:2000]
    return WagtailTestUtils.get_soup(response.content)


def listed(client, query: str = "") -> list[str]:
    page = soup(client.get("/admin/customers/", {"q": query} if query else {}))
    return [row.select("td")[0].select_one("a").get_text(strip=True) for row in page.select("table.listing tbody tr")]


def test_order_staff_find_a_shopper_by_mobile_and_never_see_staff(clerk):  # noqa: F811
    UserFactory(username="wanted", mobile="13912345678")
    UserFactory(username="other", mobile="13800000001")
    UserFactory(username="staffer", mobile="13912345679", is_staff=True)

    assert listed(clerk, "13912345678") == ["wanted"]
    assert listed(clerk, "1391234") == ["wanted"]
    assert "clerk" not in listed(clerk) and "staffer" not in listed(clerk)  # a staff group member, is_staff
    staffer = User.objects.get(username="staffer")
    assert clerk.get(f"/admin/customers/inspect/{staffer.pk}/").status_code == 404
    assert clerk.get("/admin/customers/inspect/abc/").status_code == 404


def test_the_customer_page_shows_orders_addresses_points_coupons_comments_and_last_login(clerk):  # noqa: F811
    order = place_cod_order(price="50.00", count=1)
    shopper = order.user
    User.objects.filter(pk=shopper.pk).update(last_login=timezone.now() - timedelta(days=2))
    adjust_points(user_id=shopper.pk, delta=30, note="生日礼")
    coupon = CouponFactory(name="满100减10")
    UserCoupon.objects.create(user=shopper, coupon=coupon)
    line = order.lines.get()
    Comment.objects.create(order_line=line, sku=line.sku, user=shopper, score=5, content="很好用，推荐购买")

    page = soup(clerk.get(f"/admin/customers/inspect/{shopper.pk}/"))

    assert page.select_one("[data-mobile]").get_text() == shopper.mobile
    assert page.select_one("[data-last-login]").get_text() != "-"
    assert order.order_id in page.select_one("[data-orders]").get_text()
    assert order.receiver in page.select_one("[data-addresses]").get_text()
    assert page.select_one("[data-points-balance]").get_text() == "30"
    assert "生日礼" in page.select_one("[data-points]").get_text()
    assert "满100减10" in page.select_one("[data-coupons]").get_text()
    assert "很好用，推荐购买" in page.select_one("[data-comments]").get_text()


def test_deactivate_and_reactivate_a_shopper_without_filling_anything(clerk):  # noqa: F811
    shopper = UserFactory(username="noemail", email="", first_name="", last_name="")
    shopper_client = Client()
    shopper_client.force_login(shopper)
    assert shopper_client.get("/orders/").status_code == 200

    response = clerk.post(f"/admin/customers/activation/{shopper.pk}/", {"active": "0"})

    assert response.status_code == 302 and any("已停用顾客 noemail" in m for m in messages_of(response))
    shopper.refresh_from_db()
    assert shopper.is_active is False and shopper.email == ""
    assert shopper_client.get("/orders/").status_code == 302  # the session no longer logs in
    assert not Client().login(username="noemail", password="meihao-pass-1")

    clerk.post(f"/admin/customers/activation/{shopper.pk}/", {"active": "1"})
    shopper.refresh_from_db()
    assert shopper.is_active is True
    assert Client().login(username="noemail", password="meihao-pass-1")


def test_staff_accounts_cannot_be_deactivated_here(clerk):  # noqa: F811
    staffer = UserFactory(username="staffer", is_staff=True)
    response = clerk.post(f"/admin/customers/activation/{staffer.pk}/", {"active": "0"})
    assert response.status_code == 302 and any("顾客不存在" in m for m in messages_of(response))
    staffer.refresh_from_db()
    assert staffer.is_active is True


def test_adjust_points_with_a_reason_through_the_ledger(clerk):  # noqa: F811
    shopper = UserFactory()
    url = f"/admin/customers/points/{shopper.pk}/"

    def last_message(data) -> str:
        return messages_of(clerk.post(url, data, follow=True))[-1]

    assert last_message({"delta": "100", "note": "客服补偿"}) == "积分已调整，当前余额 100"
    assert last_message({"delta": "-40", "note": "误发扣回"}) == "积分已调整，当前余额 60"
    assert last_message({"delta": "-100", "note": "超扣"}).startswith("积分不足")
    assert last_message({"delta": "5", "note": ""}) == "请填写非零的积分变动和原因"
    assert last_message({"delta": "0", "note": "x"}) == "请填写非零的积分变动和原因"
    assert last_message({"delta": "abc", "note": "x"}) == "请填写非零的积分变动和原因"

    entries = list(PointsLedger.objects.filter(user=shopper).order_by("id").values_list("delta", "reason", "note"))
    assert entries == [
        (100, PointsReason.ADJUST, "客服补偿（clerk）"),
        (-40, PointsReason.ADJUST, "误发扣回（clerk）"),
    ]


def test_content_editors_see_no_customers_and_change_nothing(editor):  # noqa: F811
    shopper = UserFactory()

    assert editor.get("/admin/customers/").status_code in (302, 403)
    assert editor.get(f"/admin/customers/inspect/{shopper.pk}/").status_code in (302, 403)
    assert editor.post(f"/admin/customers/activation/{shopper.pk}/", {"active": "0"}).status_code in (302, 403)
    assert editor.post(f"/admin/customers/points/{shopper.pk}/", {"delta": "5", "note": "x"}).status_code in (302, 403)
    shopper.refresh_from_db()
    assert shopper.is_active and not PointsLedger.objects.exists()
    assert "/admin/customers/" not in sidebar_text(editor)


def test_customer_actions_are_post_only(clerk):  # noqa: F811
    shopper = UserFactory()
    assert clerk.get(f"/admin/customers/activation/{shopper.pk}/").status_code == 405
    assert clerk.get(f"/admin/customers/points/{shopper.pk}/").status_code == 405
    assert "/admin/customers/" in sidebar_text(clerk) and "顾客" in sidebar_text(clerk)


def test_order_staff_cannot_deactivate_each_other(clerk):  # noqa: F811
    colleague = User.objects.get(username="clerk")
    response = clerk.post(f"/admin/customers/activation/{colleague.pk}/", {"active": "0"})
    assert any("顾客不存在" in m for m in messages_of(response))
    colleague.refresh_from_db()
    assert colleague.is_active
