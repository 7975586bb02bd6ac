"""Browsing history (SPEC A8): last five SKUs per user in a Redis list, newest first, no duplicates."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_redis import get_redis_connection

from commerce.accounts.history import list_recent_sku_ids, list_recent_skus, record_visit
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_history_keeps_the_last_five_newest_first_without_duplicates():
    user = UserFactory()
    skus = SKUFactory.create_batch(7)
    for sku in skus:
        record_visit(user_id=user.pk, sku_id=sku.pk)
    record_visit(user_id=user.pk, sku_id=skus[4].pk)  # seen again: moves to the head, not duplicated
    expected = [skus[4], skus[6], skus[5], skus[3], skus[2]]
    assert list_recent_sku_ids(user_id=user.pk) == [s.pk for s in expected]
    assert list_recent_skus(user_id=user.pk) == expected
    assert get_redis_connection("default").llen(f"history:{user.pk}") == 5


def test_history_is_per_user():
    alice, bob = UserFactory(), UserFactory()
    sku = SKUFactory()
    record_visit(user_id=alice.pk, sku_id=sku.pk)
    assert list_recent_skus(user_id=bob.pk) == []


def test_skus_taken_off_sale_or_deleted_drop_out_of_the_list():
    user = UserFactory()
    kept, unlaunched, deleted = SKUFactory.create_batch(3)
    for sku in (kept, unlaunched, deleted):
        record_visit(user_id=user.pk, sku_id=sku.pk)
    unlaunched.is_launched = False
    unlaunched.save()
    deleted.delete()
    assert list_recent_skus(user_id=user.pk) == [kept]


def test_json_get_lists_the_history_and_post_adds_to_it(client):
    user = UserFactory()
    client.force_login(user)
    first, second = SKUFactory.create_batch(2)
    assert client.post("/browse_histories/", {"sku_id": first.pk}).status_code == 200
    response = client.post("/browse_histories/", json.dumps({"sku_id": second.pk}), content_type="application/json")
    assert [s["id"] for s in response.json()["skus"]] == [second.pk, first.pk]
    data = client.get(reverse("accounts:browse_histories")).json()
    assert data["skus"][0] == {
        "id": second.pk,
        "name": second.name,
        "price": "1999.00",
        "url": f"/goods/{second.pk}/",
        "image": None,
    }


@pytest.mark.parametrize("sku_id", ["999999", "abc", "", "-1", str(2**70), "1.5"])
def test_json_post_of_an_unknown_or_malformed_sku_is_refused_and_changes_nothing(client, sku_id):
    user = UserFactory()
    client.force_login(user)
    kept = SKUFactory()
    record_visit(user_id=user.pk, sku_id=kept.pk)
    response = client.post("/browse_histories/", {"sku_id": sku_id})
    assert response.status_code == 400
    assert response.json()["message"] in ("商品不存在或已下架", "请提供正确的商品编号")
    assert list_recent_sku_ids(user_id=user.pk) == [kept.pk]


def test_json_post_of_an_unlaunched_sku_is_refused(client):
    client.force_login(UserFactory())
    sku = SKUFactory(is_launched=False)
    response = client.post("/browse_histories/", {"sku_id": sku.pk})
    assert response.status_code == 400 and response.json()["code"] == "unknown_sku"


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"sku_id": true}', '{"sku_id": null}'])
def test_json_post_with_a_bad_body_is_a_400(client, body):
    client.force_login(UserFactory())
    response = client.post("/browse_histories/", body, content_type="application/json")
    assert response.status_code == 400


def test_anonymous_visitors_get_a_401_json(client):
    response = client.get("/browse_histories/")
    assert response.status_code == 401
    assert response.json() == {"code": "login_required", "message": "请先登录"}
    assert client.post("/browse_histories/", {"sku_id": 1}).status_code == 401


def test_user_center_shows_the_recently_viewed_skus(client):
    user = UserFactory()
    client.force_login(user)
    older, newer = SKUFactory(name="旧看的手机"), SKUFactory(name="新看的电脑")
    record_visit(user_id=user.pk, sku_id=older.pk)
    record_visit(user_id=user.pk, sku_id=newer.pk)
    page = client.get(reverse("accounts:center")).content.decode()
    assert "最近浏览" in page
    assert page.index("新看的电脑") < page.index("旧看的手机")
    assert f'href="/goods/{newer.pk}/"' in page


def test_a_logged_in_visit_to_a_product_page_lands_in_the_history(client):
    from commerce.accounts.history import list_recent_skus
    from tests.factories import SKUFactory, UserFactory

    user = UserFactory()
    first, second = SKUFactory(), SKUFactory()
    client.force_login(user)
    assert client.get(f"/goods/{first.pk}/").status_code == 200
    assert client.get(f"/goods/{second.pk}/").status_code == 200
    assert [s.pk for s in list_recent_skus(user_id=user.pk)] == [second.pk, first.pk]
