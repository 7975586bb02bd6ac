"""Editors' catalog changes show on the next request although the category menu and the best sellers are
cached: the edit's commit drops the cached copies (a rolled-back edit leaves them alone).

These tests commit for real (transactional_db), so the after-commit receivers run as in production."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from commerce.catalog import selectors
from commerce.catalog.models import SKU, GoodsCategory, GoodsChannel
from tests.factories import CategoryFactory, ChannelFactory, ChannelGroupFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(username="editor", is_superuser=True, is_staff=True))
    return client


def admin_save(client, model: str, pk: int, **changes) -> None:
    """Open the object's Wagtail edit form, change some fields and save it, as an editor would.

    (querydict_from_html sends a ticked checkbox without a value attribute as "", which Django reads as
    unticked, where a browser sends "on": pass such fields explicitly.)"""
    edit_url = reverse(f"wagtailsnippets_catalog_{model}:edit", args=[pk])
    data = querydict_from_html(client.get(edit_url).content.decode(), form_id="w-editor-form").copy()
    for name, value in changes.items():
        data[name] = str(value)
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def menu_names() -> list[str]:
    return [channel["name"] for group in selectors.get_category_menu() for channel in group["channels"]] + [
        sub["name"] for group in selectors.get_category_menu() for cat2 in group["subs"] for sub in cat2["subs"]
    ]


def hot_prices(client, category_id: int) -> dict[str, Decimal]:
    response = client.get(f"/list/{category_id}/")
    assert response.status_code == 200
    return {item["name"]: item["price"] for item in response.context["hot_skus"]}


@pytest.fixture
def channel():
    return ChannelFactory(group=ChannelGroupFactory(name="数码 / 相机"), category=CategoryFactory(name="数码产品"))


# --- The category menu ------------------------------------------------------------------------------------


def test_an_editor_renaming_a_category_sees_the_new_name_in_the_menu_on_the_next_request(editor, channel):
    assert ">数码产品</a>" in editor.get(f"/list/{channel.category_id}/").content.decode()
    assert cache.get(selectors.CATEGORY_MENU_KEY) is not None  # the page cached the menu

    admin_save(editor, "goodscategory", channel.category_id, name="智能数码")

    page = editor.get(f"/list/{channel.category_id}/").content.decode()
    assert ">智能数码</a>" in page and ">数码产品</a>" not in page
    assert "智能数码" in menu_names() and "数码产品" not in menu_names()


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda ch: ch.group.save(), id="group-saved"),
        pytest.param(lambda ch: ch.save(), id="channel-saved"),
        pytest.param(lambda ch: ch.delete(), id="channel-deleted"),
        pytest.param(lambda ch: CategoryFactory(parent=ch.category), id="category-added"),
        pytest.param(lambda ch: GoodsCategory.objects.get(pk=ch.category_id).delete(), id="category-deleted"),
    ],
)
def test_any_menu_edit_drops_the_cached_menu_after_commit(channel, edit):
    selectors.get_category_menu()

    edit(channel)

    assert cache.get(selectors.CATEGORY_MENU_KEY) is None


def test_a_rolled_back_edit_keeps_the_cached_menu(channel):
    menu = selectors.get_category_menu()

    with pytest.raises(RuntimeError), transaction.atomic():
        GoodsCategory.objects.filter(pk=channel.category_id).update(name="不会生效")
        GoodsCategory.objects.get(pk=channel.category_id).save()
        assert cache.get(selectors.CATEGORY_MENU_KEY) == menu  # nothing is dropped before the commit
        raise RuntimeError

    assert cache.get(selectors.CATEGORY_MENU_KEY) == menu


def test_the_menu_is_dropped_only_when_the_edit_commits(channel):
    selectors.get_category_menu()

    with transaction.atomic():
        GoodsChannel.objects.get(pk=channel.pk).save()
        assert cache.get(selectors.CATEGORY_MENU_KEY) is not None

    assert cache.get(selectors.CATEGORY_MENU_KEY) is None


# --- Best sellers -----------------------------------------------------------------------------------------


@pytest.fixture
def phone():
    return SKUFactory(name="小米 14", price=Decimal("3999.00"), sales=50)


def test_a_price_change_in_the_admin_shows_in_the_hot_sellers_on_the_next_request(editor, phone):
    cat3, cat1 = phone.category_id, phone.spu.category1_id
    assert hot_prices(editor, cat3) == {"小米 14": Decimal("3999.00")}
    assert hot_prices(editor, cat1) == {"小米 14": Decimal("3999.00")}  # both lists are cached now

    admin_save(editor, "sku", phone.pk, price="3799.00", is_launched="on")

    assert hot_prices(editor, cat3) == {"小米 14": Decimal("3799.00")}
    assert hot_prices(editor, cat1) == {"小米 14": Decimal("3799.00")}  # the parents' lists cover it too


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "小米 14 Pro"), ("price", Decimal("1.00")), ("sales", 9999), ("is_launched", False)],
)
def test_saving_a_field_the_hot_sellers_show_drops_the_lists_of_its_category_path(phone, field, value):
    path = [phone.category_id, phone.spu.category2_id, phone.spu.category1_id]
    for category_id in path:
        selectors.list_hot_skus(category_id)

    setattr(phone, field, value)
    phone.save()

    assert [cache.get(selectors.HOT_SKUS_KEY.format(category_id=pk)) for pk in path] == [None, None, None]


def test_a_new_best_seller_joins_the_list_on_the_next_request(client, phone):
    assert list(hot_prices(client, phone.category_id)) == ["小米 14"]

    SKUFactory(name="小米 14 Ultra", spu=phone.spu, category=phone.category, price=Decimal("5999.00"), sales=80)

    assert list(hot_prices(client, phone.category_id)) == ["小米 14 Ultra", "小米 14"]


def test_a_deleted_sku_leaves_the_hot_sellers_on_the_next_request(client, phone):
    assert list(hot_prices(client, phone.category_id)) == ["小米 14"]

    SKU.objects.get(pk=phone.pk).delete()

    assert hot_prices(client, phone.category_id) == {}


def test_a_sku_moved_to_another_category_leaves_the_old_list(client, phone):
    old_category = phone.category
    new_category = CategoryFactory(parent=old_category.parent)
    assert list(hot_prices(client, old_category.pk)) == ["小米 14"]
    assert hot_prices(client, new_category.pk) == {}

    phone.category = new_category
    phone.save()

    assert hot_prices(client, old_category.pk) == {}
    assert list(hot_prices(client, new_category.pk)) == ["小米 14"]


def test_a_stock_only_save_keeps_the_cached_hot_sellers(phone):
    hot = selectors.list_hot_skus(phone.category_id)

    phone.stock = 3
    phone.save(update_fields=["stock"])

    assert cache.get(selectors.HOT_SKUS_KEY.format(category_id=phone.category_id)) == hot
