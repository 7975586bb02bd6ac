"""The Wagtail home page (SPEC B3): built from the catalog by ensure_demo_home_page, floors link the SKUs,
drafts stay private while preview shows them."""

from __future__ import annotations

import re

import pytest
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site

from cms.demo import HOME_TITLE, ensure_demo_home_page
from cms.models import HomePage
from tests.factories import ChannelFactory, SKUFactory, SPUFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_like_catalog():
    """Two channels (手机, 电脑), each with a few launched SKUs under its first-level category, one unlaunched."""
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="主图", file=get_test_image_file())
    catalog = {}
    for name, prices in {"手机": [2999, 3999, 4999], "电脑": [5999, 7999]}.items():
        spu = SPUFactory(name=f"{name}商品", category1__name=name)
        ChannelFactory(category=spu.category1, group__name=f"{name}频道组")
        skus = [
            SKUFactory(spu=spu, name=f"{name}{i}", price=price, sales=10 - i, default_image=image)
            for i, price in enumerate(prices)
        ]
        hidden = SKUFactory(spu=spu, name=f"{name}已下架", is_launched=False)
        catalog[name] = (skus, hidden)
    return catalog


def test_demo_home_page_replaces_the_welcome_page_and_is_the_published_site_root(demo_like_catalog):
    welcome_id = Site.objects.get(is_default_site=True).root_page_id

    home = ensure_demo_home_page()

    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == home.pk
    assert home.title == HOME_TITLE and home.live and not home.has_unpublished_changes
    assert not Page.objects.filter(pk=welcome_id).exists()
    assert [floor.title for floor in home.floors.all()] == ["手机", "电脑"]
    assert len(home.carousel) >= 1 and len(home.news) >= 1


def test_ensure_demo_home_page_is_idempotent(demo_like_catalog):
    first = ensure_demo_home_page()
    second = ensure_demo_home_page()

    assert first.pk == second.pk
    assert HomePage.objects.count() == 1
    assert second.floors.count() == 2


def test_home_page_renders_menu_carousel_and_floors_linking_launched_skus(client, demo_like_catalog):
    ensure_demo_home_page()

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "1F" in html and "2F" in html
    for skus, hidden in demo_like_catalog.values():
        for sku in skus:
            assert f'href="/goods/{sku.pk}/"' in html
            assert sku.name in html
        assert f"/goods/{hidden.pk}/" not in html
    assert "¥2999.00" in html
    assert re.search(r'class="catmenu-head"><a href="/list/\d+/">手机</a>', html)
    assert 'class="slide"' in html and "<img" in html


def test_a_sku_unlaunched_after_publishing_disappears_from_its_floor(client, demo_like_catalog):
    ensure_demo_home_page()
    sku = demo_like_catalog["手机"][0][0]
    sku.is_launched = False
    sku.save()

    html = client.get("/").content.decode()

    floors = html.split('<section class="floor"', 1)[1]
    assert f"/goods/{sku.pk}/" not in floors
    assert f"/goods/{demo_like_catalog['手机'][0][1].pk}/" in floors


def test_home_page_floor_queries_do_not_grow_with_the_number_of_skus(
    client, demo_like_catalog, django_assert_max_num_queries
):
    home = ensure_demo_home_page()
    client.get("/")  # warm caches (category menu, renditions)

    with django_assert_max_num_queries(40):
        floors = home.build_floors()
        for item in floors:
            for sku in item["skus"]:
                assert sku.default_image is not None

    assert [len(item["skus"]) for item in floors] == [3, 2]


def test_a_draft_is_not_served_but_the_preview_shows_it(client, demo_like_catalog):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, querydict_from_html, streamfield

    home = ensure_demo_home_page()
    draft = home.get_latest_revision_as_object()
    draft.title = "双十一草稿首页"
    floors = list(draft.floors.all())
    floors[0].title = "草稿楼层"
    draft.floors = floors
    draft.save_revision()  # a draft, not published

    public = client.get("/").content.decode()
    assert "草稿楼层" not in public and "双十一草稿首页" not in public

    editor = UserFactory(username="editor", is_staff=True, is_superuser=True)
    client.force_login(editor)
    edit_url = f"/admin/pages/{home.pk}/edit/"
    form_html = client.get(edit_url).content.decode()
    post_data = querydict_from_html(form_html, form_id="page-edit-form")
    assert post_data["floors-0-title"] == "草稿楼层"  # the editor form holds the draft
    # StreamFields are drawn by JavaScript, so their form data is built with Wagtail's helpers.
    data = {key: value for key, value in post_data.items() if not key.startswith("floors-")}
    sku = demo_like_catalog["电脑"][0][1]
    data.update(
        nested_form_data(
            {
                "carousel": streamfield([]),
                "promotions": streamfield([]),
                "news": streamfield([("news", {"title": "草稿快讯", "link": ""})]),
                "floors": inline_formset(
                    [{"title": "草稿楼层", "channel": "", "skus": streamfield([("sku", sku.pk)])}]
                ),
            }
        )
    )
    preview_url = f"/admin/pages/{home.pk}/edit/preview/"
    state = client.post(preview_url, data=data)
    assert state.json() == {"is_valid": True, "is_available": True}

    preview = client.get(preview_url).content.decode()
    assert "草稿楼层" in preview and "草稿快讯" in preview and f'href="/goods/{sku.pk}/"' in preview

    client.logout()
    assert "草稿楼层" not in client.get("/").content.decode()


def test_an_unpublished_home_page_is_not_served(client, demo_like_catalog):
    home = ensure_demo_home_page()
    home.unpublish()

    response = client.get("/")

    assert response.status_code == 404


def test_only_one_home_page_may_exist_and_it_has_no_children():
    assert HomePage.max_count == 1
    assert HomePage.parent_page_types == ["wagtailcore.Page"]
    assert HomePage.subpage_types == []
