"""Static SKU detail pages (SPEC B6): rendered by the real view to files, served with no database query,
refreshed by the real Dramatiq worker after an edit, removed when the SKU leaves the shelf."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cms import static_page_builder
from commerce.catalog.models import SKU, GoodsVisitCount
from commerce.catalog.visits import flush_visits
from tests.factories import SKUFactory, UserFactory, make_spu_with_specs


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"
    return settings.STATIC_PAGES_ROOT


def wait_for_jobs(broker, worker) -> None:
    broker.join("default", timeout=30_000)
    worker.join()


def test_static_detail_page_is_served_without_touching_the_database(client, db, django_assert_num_queries):
    sku = SKUFactory(name="美好 静态 手机", price=Decimal("2999.00"))
    assert static_page_builder.build_sku_page(sku.id) is True

    with django_assert_num_queries(0):
        response = client.get(sku.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Static-Page"] == "1"
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert "美好 静态 手机" in html and "¥2999.00" in html
    assert "data-static-page" in html and "js/page-user.js" in html


def test_static_file_holds_no_per_user_data_and_no_csrf_token(client, db, django_assert_num_queries):
    user = UserFactory(username="static_shopper")
    client.force_login(user)
    client.get("/api/me/")  # a session with a CSRF cookie exists
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)

    with django_assert_num_queries(0):
        html = client.get(sku.get_absolute_url()).content.decode()

    assert "static_shopper" not in html
    assert "csrfmiddlewaretoken" not in html
    assert 'data-authenticated="0"' in html
    for language in ("zh-hans", "en"):
        assert "csrfmiddlewaretoken" not in static_page_builder.sku_file(sku.id, language).read_text(encoding="utf-8")


def test_me_endpoint_gives_the_header_bits_of_the_visitor(client, db):
    assert client.get("/api/me/").json()["username"] is None
    client.force_login(UserFactory(username="header_user"))
    data = client.get("/api/me/").json()
    assert data["username"] == "header_user"
    assert data["cart_count"] == 0
    assert data["csrf_token"]


def test_a_browser_asking_for_english_still_gets_chinese_until_the_shopper_switches(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    response = client.get(sku.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "zh-hans"


def test_english_visitor_gets_the_english_file(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    client.cookies["django_language"] = "en"
    response = client.get(sku.get_absolute_url())
    assert response["X-Static-Page"] == "1"
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_missing_file_falls_back_to_the_dynamic_view(client, db):
    sku = SKUFactory(name="还没有静态页")
    response = client.get(sku.get_absolute_url())
    assert response.status_code == 200
    assert "X-Static-Page" not in response
    assert "还没有静态页" in response.content.decode()
    assert "data-static-page" not in response.content.decode()
    flush_visits()
    assert GoodsVisitCount.objects.get(category=sku.category).count == 1  # the dynamic view counted it


@pytest.mark.parametrize("query", ["?preview=1", "?page=2", "?sort=price"])
def test_query_string_goes_to_the_dynamic_view(client, db, query):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    response = client.get(sku.get_absolute_url() + query)
    assert response.status_code == 200
    assert "X-Static-Page" not in response


def test_tracking_parameters_and_head_still_get_the_static_file(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    assert client.get(sku.get_absolute_url() + "?utm_source=wechat")["X-Static-Page"] == "1"
    assert client.head(sku.get_absolute_url())["X-Static-Page"] == "1"
    assert client.post(sku.get_absolute_url()).status_code == 405  # POST never reaches the file


def test_unchanged_file_answers_not_modified(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    first = client.get(sku.get_absolute_url())
    again = client.get(sku.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_static_render_counts_no_visit_but_the_page_script_reports_one(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    assert not GoodsVisitCount.objects.exists()

    user = UserFactory()
    client.force_login(user)
    token = client.get("/api/me/").json()["csrf_token"]
    response = client.post("/api/page-visit/", {"sku_id": sku.id}, HTTP_X_CSRFTOKEN=token)
    assert response.json() == {"ok": True}
    flush_visits()
    assert GoodsVisitCount.objects.get(category=sku.category).count == 1
    from commerce.accounts.history import list_recent_sku_ids

    assert list_recent_sku_ids(user_id=user.pk) == [sku.id]


@pytest.mark.parametrize("raw", ["", "abc", "-1", "0", "99999999999999999999999", "１"])
def test_page_visit_with_a_bad_sku_id_changes_nothing(client, db, raw):
    response = client.post("/api/page-visit/", {"sku_id": raw})
    assert response.status_code == 400
    assert response.json()["message"] == "商品不存在或已下架"
    flush_visits()
    assert not GoodsVisitCount.objects.exists()


def test_unlaunched_sku_has_its_files_removed(client, db):
    sku = SKUFactory()
    static_page_builder.build_sku_page(sku.id)
    assert static_page_builder.sku_file(sku.id, "zh-hans").exists()

    SKU.objects.filter(pk=sku.pk).update(is_launched=False)
    assert static_page_builder.build_sku_page(sku.id) is False

    assert not static_page_builder.sku_file(sku.id, "zh-hans").exists()
    assert not static_page_builder.sku_file(sku.id, "en").exists()
    assert client.get(sku.get_absolute_url()).status_code == 404


def test_build_all_writes_launched_pages_and_drops_stale_ones(db, static_root):
    on_sale, off_sale = SKUFactory(), SKUFactory()
    static_page_builder.build_sku_page(off_sale.id)
    SKU.objects.filter(pk=off_sale.pk).update(is_launched=False)

    assert static_page_builder.build_all_pages() == 1
    assert static_page_builder.sku_file(on_sale.id, "zh-hans").exists()
    assert not static_page_builder.sku_file(off_sale.id, "zh-hans").exists()


def test_saving_a_sku_queues_its_family_only_after_commit(db, django_capture_on_commit_callbacks):
    sku = SKUFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sku.price = Decimal("1.00")
        sku.save()
    assert callbacks  # nothing is built inside the request: the jobs are sent after commit
    assert not static_page_builder.sku_file(sku.id, "zh-hans").exists()


@pytest.mark.django_db(transaction=True)
def test_price_change_refreshes_the_static_page_after_the_worker_ran(client, dramatiq_broker, dramatiq_worker):
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"]})
    black, white = skus[("黑",)], skus[("白",)]
    wait_for_jobs(dramatiq_broker, dramatiq_worker)
    assert "¥1999.00" in client.get(black.get_absolute_url()).content.decode()
    assert client.get(black.get_absolute_url())["X-Static-Page"] == "1"

    black.price = Decimal("1688.00")
    black.save()
    wait_for_jobs(dramatiq_broker, dramatiq_worker)

    response = client.get(black.get_absolute_url())
    assert response["X-Static-Page"] == "1"
    assert '<strong class="price big">¥1688.00</strong>' in response.content.decode()

    # Taking white off the shelf removes its file and its link from black's spec switcher.
    switcher_link = f'class="spec-option" href="{white.get_absolute_url()}"'
    assert switcher_link in static_page_builder.sku_file(black.id, "zh-hans").read_text("utf-8")
    white.is_launched = False
    white.save()
    wait_for_jobs(dramatiq_broker, dramatiq_worker)
    assert not static_page_builder.sku_file(white.id, "zh-hans").exists()
    assert switcher_link not in static_page_builder.sku_file(black.id, "zh-hans").read_text("utf-8")
    assert client.get(white.get_absolute_url()).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_deleted_sku_has_its_file_removed_by_the_worker(client, dramatiq_broker, dramatiq_worker):
    sku = SKUFactory()
    wait_for_jobs(dramatiq_broker, dramatiq_worker)
    assert static_page_builder.sku_file(sku.id, "zh-hans").exists()
    sku_id = sku.id
    sku.delete()
    wait_for_jobs(dramatiq_broker, dramatiq_worker)
    assert not static_page_builder.sku_file(sku_id, "zh-hans").exists()


def test_build_command_writes_every_page(db, static_root):
    from io import StringIO

    from django.core.management import call_command

    skus = [SKUFactory() for _ in range(3)]
    out = StringIO()
    call_command("build_static_pages", stdout=out)
    assert "3/3" in out.getvalue() and "100%" in out.getvalue()
    assert all(static_page_builder.sku_file(s.id, "zh-hans").exists() for s in skus)
    assert reverse("catalog:sku_detail", args=[skus[0].id]) == static_page_builder.sku_path(skus[0].id)
