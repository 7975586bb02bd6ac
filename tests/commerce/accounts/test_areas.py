"""Areas (SPEC A9): the shipped data, the JSON endpoints and their Redis cache."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commerce.accounts.models import Area
from tests.commerce.accounts.center_fixtures import areas  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]


def test_migrate_ships_every_mainland_province_city_and_district():
    assert Area.objects.count() == 3429
    assert Area.objects.filter(parent__isnull=True).count() == 31
    assert Area.objects.get(pk=44).name == "广东省"
    assert Area.objects.get(pk=4403).parent_id == 44  # 深圳市
    assert Area.objects.get(pk=440305).parent_id == 4403  # 南山区
    # Municipalities show their own name at the city level, not the bureau's "市辖区".
    assert Area.objects.get(pk=1101).name == "北京市"
    assert not Area.objects.filter(name="市辖区", parent__parent__isnull=True).exists()


def test_provinces_json_lists_all_provinces(client):
    response = client.get("/areas/")
    assert response.status_code == 200
    data = response.json()
    assert len(data["areas"]) == 31
    assert data["areas"][0] == {"id": 11, "name": "北京市"}


def test_subs_json_lists_cities_of_a_province_and_districts_of_a_city(client):
    cities = client.get(reverse("accounts:area_subs", args=[44])).json()
    assert cities["area"]["name"] == "广东省"
    assert {"id": 4403, "name": "深圳市"} in cities["subs"]
    assert len(cities["subs"]) == 21

    districts = client.get("/areas/4403/").json()
    assert {"id": 440305, "name": "南山区"} in districts["subs"]


def test_area_json_comes_from_redis_after_the_first_request(client, django_assert_num_queries):
    first_provinces = client.get("/areas/").json()
    first_subs = client.get("/areas/4403/").json()
    with django_assert_num_queries(0):
        assert client.get("/areas/").json() == first_provinces
        assert client.get("/areas/4403/").json() == first_subs


@pytest.mark.parametrize("code", ["999999", "0", "abc", "12345678901234567890", "11.0", "-11", "４４"])
def test_unknown_area_code_is_a_json_404_with_a_chinese_message(client, code):
    response = client.get(f"/areas/{code}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["code"] == "area_not_found"
    assert "行政区划不存在" in data["message"]


def test_area_endpoints_refuse_writes(client):
    assert client.post("/areas/").status_code == 405
    assert client.post("/areas/11/").status_code == 405


def test_area_json_needs_no_query_for_a_logged_in_shopper_either(client, django_assert_num_queries):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    client.get("/areas/")
    client.get("/areas/44/")
    with django_assert_num_queries(0):
        assert client.get("/areas/").status_code == 200
        assert client.get("/areas/44/").status_code == 200
