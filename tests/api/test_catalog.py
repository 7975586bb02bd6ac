"""Catalog reads through the API: the channel menu, a category's SKUs sorted and paged, hot sellers, SKU detail
with the spec switcher map, search, and areas. Same selectors as the pages, so the same answers."""

from decimal import Decimal

import pytest
from haystack import connections

from commerce.accounts.history import list_recent_sku_ids
from commerce.catalog.models import SKU, GoodsVisitCount
from commerce.catalog.search_service import rebuild_search_index
from commerce.catalog.services import flush_visits
from tests.api.conftest import login
from tests.factories import (
    CategoryFactory,
    ChannelFactory,
    SKUFactory,
    SPUFactory,
    UserFactory,
    make_spu_with_specs,
)

pytestmark = pytest.mark.django_db


def test_category_menu_lists_groups_channels_and_sub_categories(api):
    phones = CategoryFactory(name="手机")
    sub = CategoryFactory(name="手机通讯", parent=phones)
    leaf = CategoryFactory(name="智能手机", parent=sub)
    ChannelFactory(category=phones, group__name="手机 / 相机")

    response = api.get("/api/v1/categories/")
    assert response.status_code == 200
    [group] = response.json()
    assert group["name"] == "手机 / 相机"
    assert [c["name"] for c in group["channels"]] == ["手机"]
    assert group["subs"][0]["name"] == "手机通讯" and group["subs"][0]["subs"][0]["id"] == leaf.id


def test_category_skus_are_sorted_and_paged(api):
    spu = SPUFactory()
    prices = ["30.00", "10.00", "20.00"]
    for i, price in enumerate(prices):
        SKUFactory(spu=spu, price=Decimal(price), sales=i)
    SKUFactory(spu=spu, is_launched=False)
    url = f"/api/v1/categories/{spu.category3_id}/skus/"

    by_price = api.get(url, {"sort": "price"}).json()
    assert by_price["count"] == 3 and [s["price"] for s in by_price["results"]] == ["10.00", "20.00", "30.00"]
    paged = api.get(url, {"sort": "hot", "page_size": 2, "page": 2}).json()
    assert [s["price"] for s in paged["results"]] == ["30.00"] and paged["previous"]
    # The first-level category lists its third-level SKUs too; garbage sort falls back, garbage page is a 404.
    assert api.get(f"/api/v1/categories/{spu.category1_id}/skus/", {"sort": "x"}).json()["count"] == 3
    assert api.get(url, {"page": "abc"}).status_code == 404
    missing = api.get("/api/v1/categories/999999/skus/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_hot_sellers_of_a_category(api):
    spu = SPUFactory()
    low, high = SKUFactory(spu=spu, sales=1), SKUFactory(spu=spu, sales=99)
    hot = api.get(f"/api/v1/categories/{spu.category3_id}/hot/").json()
    assert [s["id"] for s in hot] == [high.id, low.id]


def test_sku_detail_has_the_spec_switcher_map_and_records_visits(api):
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G", "256G"]}, missing={("白", "256G")})
    black_128 = skus[("黑", "128G")]
    user = UserFactory()
    login(api, user)

    response = api.get(f"/api/v1/skus/{black_128.id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == black_128.name and body["price"] == "1999.00" and body["spu"]["id"] == spu.id
    assert [c["id"] for c in body["breadcrumb"]] == [spu.category1_id, spu.category2_id, spu.category3_id]
    colour, memory = body["specs"]
    assert colour["name"] == "颜色"
    assert {o["value"]: (o["sku_id"], o["active"]) for o in colour["options"]} == {
        "黑": (black_128.id, True),
        "白": (skus[("白", "128G")].id, False),
    }
    assert {o["value"]: o["sku_id"] for o in memory["options"]} == {
        "128G": black_128.id,
        "256G": skus[("黑", "256G")].id,
    }
    white_128 = api.get(f"/api/v1/skus/{skus[('白', '128G')].id}/").json()
    assert {o["value"]: o["available"] for o in white_128["specs"][1]["options"]} == {"128G": True, "256G": False}
    assert body["hot_skus"] and "images" in body

    assert list_recent_sku_ids(user_id=user.pk)[0] == skus[("白", "128G")].id
    flush_visits()  # visits are counted in Redis and moved to the database by a periodic job
    assert GoodsVisitCount.objects.get(category_id=spu.category3_id).count == 2


def test_unlaunched_or_unknown_sku_is_404(api):
    off = SKUFactory(is_launched=False)
    assert api.get(f"/api/v1/skus/{off.id}/").status_code == 404
    assert api.get("/api/v1/skus/99999999/").json()["code"] == "not_found"


@pytest.fixture
def empty_index():
    connections["default"].get_backend().clear(models=[SKU])
    yield
    connections["default"].get_backend().clear(models=[SKU])


def test_search_finds_launched_skus_and_refuses_an_empty_query(api, empty_index):
    SKUFactory(name="华为 HUAWEI Mate 60 Pro 手机", price=Decimal("6999"))
    SKUFactory(name="联想 ThinkPad X1 Carbon 笔记本")
    rebuild_search_index()

    found = api.get("/api/v1/search/", {"q": "华为"}).json()
    assert found["count"] == 1 and found["results"][0]["name"].startswith("华为")
    assert found["page"] == 1 and found["num_pages"] == 1

    empty = api.get("/api/v1/search/", {"q": "  "})
    assert empty.status_code == 400 and empty.json()["code"] == "search_empty" and "q" in empty.json()["fields"]
    assert api.get("/api/v1/search/", {"q": "x" * 51}).json()["code"] == "search_too_long"


def test_areas_provinces_and_subdivisions(api):
    assert {"id": 11, "name": "北京市"} in api.get("/api/v1/areas/").json()
    beijing = api.get("/api/v1/areas/11/").json()
    assert beijing["name"] == "北京市" and 1101 in [sub["id"] for sub in beijing["subs"]]
    missing = api.get("/api/v1/areas/999/")
    assert missing.status_code == 404 and missing.json()["code"] == "area_not_found"
    assert api.get("/api/v1/areas/999/", HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "No such area"


def test_an_id_too_large_for_the_database_is_a_json_404_not_a_500(api):
    huge = "1152687703797222478521818620624896"  # found by schemathesis: overflowed SQLite's INTEGER
    for path in (f"/api/v1/skus/{huge}/", f"/api/v1/skus/{huge}/comments/", f"/api/v1/categories/{huge}/skus/"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
