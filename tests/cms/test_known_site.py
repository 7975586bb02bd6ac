"""The Site of a Wagtail page request is kept per process (cms.sites, issue 14): a warm home page costs no Site
query, and a Site edit (its root page, its host) shows on the next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from cms.demo import ensure_demo_home_page
from cms.sites import site_for_request

pytestmark = pytest.mark.django_db


def site_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum('"wagtailcore_site"' in q["sql"] for q in queries.captured_queries)


def test_a_warm_wagtail_page_looks_up_no_site(client):
    ensure_demo_home_page()
    assert site_queries(client, "/?dynamic=1") == 1

    assert site_queries(client, "/?dynamic=1") == 0


def test_a_new_site_root_is_served_on_the_next_request(client, django_capture_on_commit_callbacks):
    home = ensure_demo_home_page()
    assert client.get("/?dynamic=1").status_code == 200
    other = Page.get_first_root_node().add_child(instance=Page(title="另一个首页", slug="other-home"))

    with django_capture_on_commit_callbacks(execute=True):
        site = Site.objects.get(is_default_site=True)
        site.root_page = other
        site.save()

    response = client.get("/?dynamic=1")
    assert response.status_code == 200
    assert "另一个首页" in response.content.decode()
    assert home.title not in response.content.decode()


def test_a_deleted_site_is_forgotten(client, rf, django_capture_on_commit_callbacks):
    ensure_demo_home_page()
    request = rf.get("/", HTTP_HOST="shop.example")
    assert site_for_request(request) is not None

    with django_capture_on_commit_callbacks(execute=True):
        Site.objects.all().delete()

    assert site_for_request(rf.get("/", HTTP_HOST="shop.example")) is None
    assert client.get("/?dynamic=1").status_code == 404
