"""Browsing history, coupons (list, claim, then used at checkout) and the points ledger through the API."""

from decimal import Decimal

import pytest

from commerce.orders.models import UserCoupon
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, CouponFactory, SKUFactory, give_points

pytestmark = pytest.mark.django_db


def test_history_records_lists_and_clears(shopper_api):
    first, second, off = SKUFactory(), SKUFactory(), SKUFactory()
    assert shopper_api.post("/api/v1/history/", {"sku_id": first.id}, format="json").status_code == 204
    shopper_api.get(f"/api/v1/skus/{second.id}/")  # viewing with a token records it too
    shopper_api.post("/api/v1/history/", {"sku_id": off.id}, format="json")
    off.is_launched = False
    off.save()
    assert [s["id"] for s in shopper_api.get("/api/v1/history/").json()] == [second.id, first.id]

    unknown = shopper_api.post("/api/v1/history/", {"sku_id": 99999999}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_sku"
    assert shopper_api.post("/api/v1/history/", {"sku_id": "x"}, format="json").json()["code"] == "invalid_sku"
    assert shopper_api.delete("/api/v1/history/").status_code == 204
    assert shopper_api.get("/api/v1/history/").json() == []


def test_coupons_claim_once_and_the_claimed_one_is_used_at_checkout(shopper_api, shopper):
    coupon = CouponFactory(threshold="100.00", discount="10.00")
    assert shopper_api.get("/api/v1/coupons/").json()["results"] == []
    assert [c["id"] for c in shopper_api.get("/api/v1/coupons/claimable/").json()["results"]] == [coupon.id]

    claimed = shopper_api.post(f"/api/v1/coupons/{coupon.id}/claim/")
    assert claimed.status_code == 201 and claimed.json()["coupon_id"] == coupon.id
    again = shopper_api.post(f"/api/v1/coupons/{coupon.id}/claim/")
    assert again.status_code == 400 and again.json()["code"] == "coupon_already_claimed"
    assert shopper_api.post("/api/v1/coupons/99999999/claim/").status_code == 404
    assert [c["coupon_id"] for c in shopper_api.get("/api/v1/coupons/").json()["results"]] == [coupon.id]
    assert shopper_api.get("/api/v1/coupons/claimable/").json()["results"] == []

    put_in_cart(shopper, SKUFactory(price=Decimal("150.00")), 1)
    AddressFactory(user=shopper)
    checkout = shopper_api.get("/api/v1/checkout/").json()
    user_coupon = UserCoupon.objects.get(user=shopper)
    assert checkout["quote"]["coupon_id"] == user_coupon.pk and checkout["quote"]["discount"] == "10.00"
    placed = shopper_api.post(
        "/api/v1/orders/",
        {
            "address_id": checkout["addresses"][0]["id"],
            "pay_method": "alipay",
            "token": checkout["token"],
            "coupon_id": user_coupon.pk,
            "expected_total": checkout["quote"]["pay_amount"],
        },
        format="json",
    )
    assert placed.status_code == 201 and placed.json()["discount"] == "10.00"


def test_points_ledger_is_paged_with_the_balance(shopper_api, shopper):
    give_points(shopper, 100)
    give_points(shopper, -30)
    page = shopper_api.get("/api/v1/points/", {"page_size": 1}).json()
    assert page["balance"] == 70 and page["count"] == 2 and page["next"]
    assert page["results"][0]["delta"] == -30 and page["results"][0]["balance_after"] == 70


def test_coupon_lists_are_paged(shopper_api, shopper):
    """Both coupon lists grow with the shop (and a shopper's claims): they are paged like every list."""
    coupons = [CouponFactory() for _ in range(3)]
    for coupon in coupons[:2]:
        assert shopper_api.post(f"/api/v1/coupons/{coupon.id}/claim/").status_code == 201
    first = shopper_api.get("/api/v1/coupons/", {"page_size": 1}).json()
    assert first["count"] == 2 and first["next"] and first["previous"] is None
    second = shopper_api.get(first["next"]).json()
    seen = {first["results"][0]["coupon_id"], second["results"][0]["coupon_id"]}
    assert seen == {coupons[0].id, coupons[1].id} and second["next"] is None

    claimable = shopper_api.get("/api/v1/coupons/claimable/", {"page_size": 1}).json()
    assert claimable["count"] == 1 and [c["id"] for c in claimable["results"]] == [coupons[2].id]
    past_the_end = shopper_api.get("/api/v1/coupons/", {"page": 9})
    assert past_the_end.status_code == 404 and past_the_end.json()["code"] == "not_found"
