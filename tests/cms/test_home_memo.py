"""The home page a logged-out visitor gets is kept per process (commerce.page_memo, issue 14): drawn once per
published revision and chosen SKUs' version; a publish, an SKU's save and a logged-in visit are never served a
kept page that no longer matches."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from cms.demo import ensure_demo_home_page
from tests.cms.test_home_page import demo_like_catalog  # noqa: F401 - the fixture
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_page_memo")]


def home(client: Client):
    response = client.get("/?dynamic=1")
    assert response.status_code == 200
    return response


def test_a_second_visitor_gets_the_kept_home_page(demo_like_catalog):  # noqa: F811
    ensure_demo_home_page()
    first, second = home(Client()), home(Client())

    assert first.templates and second.templates == []
    assert first.content.decode().count('class="sku-card"') == second.content.decode().count('class="sku-card"') == 5


def test_a_published_revision_shows_on_the_next_view(demo_like_catalog, django_capture_on_commit_callbacks):  # noqa: F811
    page = ensure_demo_home_page()
    home(Client())

    page.news = [("news", {"title": "双十二快讯", "link": ""})]
    with django_capture_on_commit_callbacks(execute=True):  # the site's root is looked up again after commit
        page.save_revision().publish()

    assert "双十二快讯" in home(Client()).content.decode()


def test_a_chosen_skus_new_name_shows_on_the_next_view(demo_like_catalog):  # noqa: F811
    ensure_demo_home_page()
    home(Client())
    sku = demo_like_catalog["手机"][0][0]
    sku.name = "改名后的手机"
    sku.save()

    assert "改名后的手机" in home(Client()).content.decode()


def test_a_floors_channel_link_edited_in_the_admin_shows_on_the_next_view(
    demo_like_catalog,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    page = ensure_demo_home_page()
    home(Client())
    channel = page.floors.first().channel

    with django_capture_on_commit_callbacks(execute=True):  # the menu's version moves after commit
        channel.url = "/list/99999/?from=floor"
        channel.save()

    floors = home(Client()).content.decode().split('<section class="floor"', 1)[1]  # not the menu's link
    assert 'href="/list/99999/?from=floor"' in floors


def test_a_logged_in_shoppers_home_page_is_not_kept(client, demo_like_catalog):  # noqa: F811
    ensure_demo_home_page()
    client.force_login(UserFactory(username="lisi"))

    assert "lisi" in home(client).content.decode()
    assert "lisi" not in home(Client()).content.decode()


@pytest.mark.parametrize("on", ["home", "root"])
def test_a_login_restriction_on_the_home_page_or_the_tree_root_still_sends_visitors_to_log_in(
    demo_like_catalog,  # noqa: F811
    on,
):
    page = ensure_demo_home_page()
    home(Client())  # kept before the restriction
    restricted = page if on == "home" else page.get_parent()
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)

    response = Client().get("/?dynamic=1")

    assert response.status_code == 302 and "login" in response["Location"]
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/?dynamic=1").status_code == 200
