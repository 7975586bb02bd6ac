"""Editors manage the catalog in the Wagtail admin: listings search and filter, the edit forms save and validate."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import SKU, SPU, GoodsVisitCount
from tests.commerce.catalog.admin_support import edit_form, url
from tests.factories import CategoryFactory, SKUFactory, UserFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    return client


def listing_rows(response) -> list[list[str]]:
    soup = WagtailTestUtils.get_soup(response.content)
    rows = []
    for row in soup.select("table.listing tbody tr"):
        cells = row.select("td")[1:]  # the first cell holds the bulk-action checkbox
        title = cells[0].select_one("a")  # the title cell also lists the row's action buttons
        rows.append([title.get_text(strip=True)] + [cell.get_text(" ", strip=True) for cell in cells[1:]])
    return rows


def test_sku_listing_searches_name_and_caption(admin_client):
    SKUFactory(name="华为 Mate 60 Pro 手机 雅川青", caption="卫星通话")
    SKUFactory(name="小米 14 手机 黑色", caption="徕卡影像")

    by_name = admin_client.get(url("sku", "list"), {"q": "Mate 60"})
    by_caption = admin_client.get(url("sku", "list"), {"q": "徕卡"})

    assert "雅川青" in by_name.content.decode() and "小米 14" not in by_name.content.decode()
    assert "小米 14" in by_caption.content.decode() and "雅川青" not in by_caption.content.decode()


def test_sku_listing_filters_by_launched_flag_and_category(admin_client):
    on_sale = SKUFactory(name="在售商品甲")
    SKUFactory(name="下架商品乙", is_launched=False)

    unlaunched = admin_client.get(url("sku", "list"), {"is_launched": "false"}).content.decode()
    in_category = admin_client.get(url("sku", "list"), {"category": on_sale.category_id}).content.decode()

    assert "下架商品乙" in unlaunched and "在售商品甲" not in unlaunched
    assert "在售商品甲" in in_category and "下架商品乙" not in in_category


def test_editing_a_sku_stock_in_the_admin_saves_it(admin_client):
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G", "256G"]})
    sku = skus[("黑", "128G")]
    data = edit_form(admin_client, "sku", sku.pk)
    data["stock"] = "77"

    response = admin_client.post(url("sku", "edit", sku.pk), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    sku.refresh_from_db()
    assert sku.stock == 77
    assert {row.option.value for row in sku.specs.all()} == {"黑", "128G"}


def test_a_sku_cannot_take_an_option_of_another_spu(admin_client):
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G"]})
    other_spu, others = make_spu_with_specs({"颜色": ["红"], "尺寸": ["大"]})
    sku, foreign = skus[("黑", "128G")], others[("红", "大")].specs.get(spec__name="尺寸")
    data = edit_form(admin_client, "sku", sku.pk)
    data["stock"] = "5"
    row = int(data["specs-TOTAL_FORMS"])
    data["specs-TOTAL_FORMS"] = str(row + 1)
    data.update({f"specs-{row}-id": "", f"specs-{row}-spec": str(foreign.spec_id)})
    data[f"specs-{row}-option"] = str(foreign.option_id)

    added_foreign_row = admin_client.post(url("sku", "edit", sku.pk), data)

    assert added_foreign_row.status_code == 200
    assert added_foreign_row.context["form"].formsets["specs"].forms[row].errors.keys() == {"spec", "option"}

    data = edit_form(admin_client, "sku", sku.pk)
    data.update({"stock": "5", "spu": str(other_spu.pk)})  # moving the SKU keeps its old option set: refused

    moved_to_other_spu = admin_client.post(url("sku", "edit", sku.pk), data)

    assert moved_to_other_spu.status_code == 200
    assert "该规格不属于此 SKU 的商品 SPU" in moved_to_other_spu.content.decode()
    sku.refresh_from_db()
    assert (sku.stock, sku.spu_id, sku.specs.count()) == (10, skus[("白", "128G")].spu_id, 2)


def test_existing_option_rows_only_offer_the_skus_own_options(admin_client):
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G"]})
    make_spu_with_specs({"颜色": ["红"], "尺寸": ["大"]})
    sku = skus[("黑", "128G")]

    soup = WagtailTestUtils.get_soup(admin_client.get(url("sku", "edit", sku.pk)).content)

    offered = {option.get_text(strip=True) for option in soup.select('select[name="specs-0-option"] option')}
    assert {"颜色: 黑", "颜色: 白", "内存: 128G"} <= offered and "颜色: 红" not in offered


def test_a_sku_must_hang_on_a_third_level_category(admin_client):
    sku = SKUFactory()
    data = edit_form(admin_client, "sku", sku.pk)
    data["category"] = str(sku.spu.category1_id)

    response = admin_client.post(url("sku", "edit", sku.pk), data)

    assert response.status_code == 200 and "SKU 必须挂在三级分类下" in response.content.decode()
    assert SKU.objects.get(pk=sku.pk).category_id == sku.category_id


def test_spu_edit_saves_rich_text_and_refuses_categories_off_the_tree_path(admin_client):
    sku = SKUFactory()
    spu = sku.spu
    stray = CategoryFactory(parent=CategoryFactory(parent=CategoryFactory()))
    data = edit_form(admin_client, "spu", spu.pk)
    data["name"] = "改过名的商品"

    assert admin_client.post(url("spu", "edit", spu.pk), data).status_code == 302
    spu.refresh_from_db()
    assert spu.name == "改过名的商品" and "商品详情" in spu.desc_detail

    data["category3"] = str(stray.pk)
    response = admin_client.post(url("spu", "edit", spu.pk), data)
    assert response.status_code == 200 and "三级分类必须属于所选的二级分类" in response.content.decode()
    assert SPU.objects.get(pk=spu.pk).category3_id == sku.category_id


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("goodscategory", {"level": "2"}),
        ("goodscategory", {"q": "分类"}),
        ("goodschannelgroup", {"q": "频道"}),
        ("goodschannel", {}),
        ("brand", {"q": "品牌"}),
        ("spu", {"q": "商品"}),
        ("spuspecification", {}),
        ("sku", {"q": "SKU", "is_launched": "true"}),
        ("goodsvisitcount", {"date_from": "2024-01-01", "date_to": "2030-12-31"}),
    ],
)
def test_every_catalog_listing_opens_with_its_search_and_filters(admin_client, model, params):
    sku = SKUFactory()
    GoodsVisitCount.objects.create(category=sku.category, date="2025-06-18", count=12)

    response = admin_client.get(url(model, "list"), params)

    assert response.status_code == 200


def test_category_listing_filters_by_level_and_shows_the_parent(admin_client):
    sku = SKUFactory()
    cat3, cat2 = sku.category, sku.category.parent

    third = listing_rows(admin_client.get(url("goodscategory", "list"), {"level": "3"}))
    under_cat1 = listing_rows(admin_client.get(url("goodscategory", "list"), {"parent": cat2.parent_id}))

    assert [row[:2] for row in third] == [[cat3.name, cat2.name]]  # the level-3 row shows its parent
    assert [row[0] for row in under_cat1] == [cat2.name]


def test_visit_counts_filter_by_date_range(admin_client):
    sku = SKUFactory()
    GoodsVisitCount.objects.create(category=sku.category, date="2025-06-18", count=618)
    GoodsVisitCount.objects.create(category=sku.category, date="2025-11-11", count=1111)

    page = admin_client.get(url("goodsvisitcount", "list"), {"date_from": "2025-11-01", "date_to": "2025-11-30"})

    assert "1111" in page.content.decode() and "618" not in page.content.decode()


def test_content_editors_edit_skus_while_order_staff_only_view_them(client):
    groups = ensure_staff_groups()
    sku = SKUFactory()
    editor, clerk = UserFactory(username="editor"), UserFactory(username="clerk")
    editor.groups.add(groups[CONTENT_EDITORS])
    clerk.groups.add(groups[ORDER_STAFF])

    client.force_login(editor)
    assert client.get(url("sku", "edit", sku.pk)).status_code == 200
    client.force_login(clerk)
    assert client.get(url("sku", "list")).status_code == 200
    assert client.get(url("sku", "edit", sku.pk)).status_code in (302, 403)


def test_catalog_menu_groups_every_catalog_listing(admin_client):
    soup = WagtailTestUtils.get_soup(admin_client.get(reverse("wagtailadmin_home")).content)
    sidebar = json.dumps(json.loads(soup.select_one("#wagtail-sidebar-props").string), ensure_ascii=False)

    assert "商品管理" in sidebar
    for model in ("sku", "spu", "spuspecification", "goodscategory", "brand", "goodschannel", "goodsvisitcount"):
        assert url(model, "list") in sidebar
