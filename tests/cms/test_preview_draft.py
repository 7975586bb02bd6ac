"""Editors preview drafts of the home page (SPEC B3, issue 11): the preview and "view draft" render the draft,
never the published static file that StaticPageMiddleware serves to shoppers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cms import static_page_builder
from cms.demo import ensure_demo_home_page
from tests.factories import ChannelFactory, SKUFactory, UserFactory, ensure_wagtail_tree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"


@pytest.fixture
def home_with_draft():
    ensure_wagtail_tree()
    channel = ChannelFactory()
    SKUFactory(name="首页楼层 手机", spu__category1=channel.category)
    home = ensure_demo_home_page()
    assert static_page_builder.build_home_page() is True
    home.news = [("news", {"title": "草稿快讯标题", "link": "/"})]
    home.save_revision()  # a draft: the live page and the static file keep the old news
    return home


@pytest.fixture
def editor():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="editor_boss", is_superuser=True, is_staff=True))
    return client


def test_shoppers_still_get_the_published_static_file(home_with_draft):
    response = Client().get("/")
    assert response["X-Static-Page"] == "1"
    assert "草稿快讯标题" not in response.content.decode()


def test_view_draft_renders_the_draft(home_with_draft, editor):
    response = editor.get(reverse("wagtailadmin_pages:view_draft", args=[home_with_draft.pk]))
    assert response.status_code == 200
    assert "X-Static-Page" not in response
    assert "草稿快讯标题" in response.content.decode()


def test_preview_renders_the_unsaved_edit(home_with_draft):
    """What the preview panel does with the edit form's page: Wagtail's make_preview_request, a fake request
    for "/" through the whole middleware chain (StaticPageMiddleware included)."""
    page = home_with_draft.get_latest_revision_as_object()
    page.news = [("news", {"title": "预览快讯标题", "link": "/"})]
    response = page.make_preview_request(None, page.default_preview_mode)
    assert response.status_code == 200
    assert "X-Static-Page" not in response
    assert "预览快讯标题" in response.content.decode()
