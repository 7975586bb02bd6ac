"""Catalog tools in Chromium (issue #15): a content editor (内容编辑) generates an SPU's missing SKUs from its
SPU row (生成SKU), then ticks SKUs in the SKU list and edits their price, stock and 上架 on one page (批量修改价格
库存), where a wrong row is refused with its message and nothing saved. An order clerk (catalog view only) sees
neither tool and is turned away from their URLs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF, ensure_staff_groups
from commerce.catalog.models import SKU
from tests.e2e.support import log_in
from tests.factories import UserFactory, ensure_wagtail_tree, make_spu_with_specs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff(group: str, username: str):
    ensure_wagtail_tree()
    user = UserFactory(username=username)
    user.groups.add(ensure_staff_groups()[group])
    return user


def test_an_editor_generates_missing_skus_and_bulk_edits_them(daphne_server, page):
    editor = staff(CONTENT_EDITORS, "editor")
    spu, skus = make_spu_with_specs({"颜色": ["黑色", "白色"], "内存": ["64GB", "128GB"]}, missing={("白色", "128GB")})
    old = skus[("黑色", "64GB")]
    log_in(page, daphne_server, editor)

    # 生成SKU from the SPU's row.
    page.goto(f"{daphne_server}{reverse(SPU_LIST)}")
    row = page.locator("tr", has_text=spu.name)
    row.locator('[data-w-dropdown-target="toggle"]').click()
    row.locator(f'[data-generate-variants="{spu.pk}"]').click()
    form = page.locator("[data-generate-variants-form]")
    for value in ("黑色", "白色", "64GB", "128GB"):
        form.get_by_label(value, exact=True).check()
    form.get_by_label("单价（元）").fill("3999.00")
    form.get_by_label("库存").fill("12")
    form.get_by_role("button", name="生成缺少的SKU").click()
    expect(page.locator(".messages")).to_contain_text(f"已为“{spu.name}”生成 1 个 SKU，跳过 3 个已有组合")
    new = SKU.objects.get(name=f"{spu.name} 白色 128GB")
    assert (new.price, new.stock, new.is_launched) == (Decimal("3999.00"), 12, False)

    # Again: nothing new.
    page.goto(f"{daphne_server}/admin/catalog-tools/spus/{spu.pk}/variants/")
    page.get_by_label("黑色", exact=True).check()
    page.get_by_label("64GB", exact=True).check()
    page.get_by_label("单价（元）").fill("1.00")
    page.get_by_role("button", name="生成缺少的SKU").click()
    expect(page.locator(".messages")).to_contain_text("生成 0 个 SKU，跳过 1 个已有组合")

    # 批量修改价格库存: tick two SKUs in the list.
    page.goto(f"{daphne_server}{reverse(SKU_LIST)}?spu={spu.pk}")
    for sku in (old, new):
        page.locator(f'input[data-bulk-action-checkbox][data-object-id="{sku.pk}"]').check()
    page.locator("[data-bulk-action-footer]").get_by_text("批量修改价格库存", exact=True).click()
    expect(page.locator("[data-bulk-row]")).to_have_count(2)
    page.get_by_label(f"{old.name} 单价").fill("99999.00")  # above its market price
    page.get_by_label(f"{old.name} 库存").fill("-3")
    page.get_by_label(f"{new.name} 库存").fill("30")
    page.get_by_label(f"{new.name} 上架").check()
    page.get_by_role("button", name="保存全部修改").click()
    expect(page.locator(".messages")).to_contain_text("部分行填写有误，未保存任何修改")
    bad = page.locator(f'[data-bulk-row="{old.pk}"] [data-row-errors]')
    expect(bad).to_contain_text(f"单价不能高于市场价 ¥{old.market_price}")
    expect(bad).to_contain_text("库存必须是 0 或正整数")
    expect(page.get_by_label(f"{new.name} 库存")).to_have_value("30")  # the typed values stay
    page.screenshot(path="/tmp/opsrefund-bulk-edit-refused.png", full_page=True)
    assert SKU.objects.get(pk=new.pk).stock == 12

    page.get_by_label(f"{old.name} 单价").fill("1888.00")
    page.get_by_label(f"{old.name} 库存").fill("5")
    page.get_by_role("button", name="保存全部修改").click()
    expect(page.locator(".messages")).to_contain_text("已修改 2 个 SKU")
    assert SKU.objects.values_list("price", "stock").get(pk=old.pk) == (Decimal("1888.00"), 5)
    assert SKU.objects.values_list("stock", "is_launched").get(pk=new.pk) == (30, True)


def test_a_clerk_with_catalog_view_only_gets_neither_tool(daphne_server, page):
    clerk = staff(ORDER_STAFF, "clerk")
    spu, skus = make_spu_with_specs({"颜色": ["黑色"]})
    sku = skus[("黑色",)]
    log_in(page, daphne_server, clerk)

    page.goto(f"{daphne_server}{reverse(SPU_LIST)}")
    row = page.locator("tr", has_text=spu.name)
    expect(row).to_be_visible()
    toggles = row.locator('[data-w-dropdown-target="toggle"]')
    if toggles.count():  # open the row's menu (its items are mounted when opened)
        toggles.first.click()
    expect(page.locator(f'[data-generate-variants="{spu.pk}"]')).to_have_count(0)
    expect(page.get_by_role("link", name="生成SKU")).to_have_count(0)
    for url in (f"/admin/catalog-tools/spus/{spu.pk}/variants/", f"/admin/catalog-tools/skus/bulk-edit/?id={sku.pk}"):
        page.goto(f"{daphne_server}{url}")
        expect(page).to_have_url(f"{daphne_server}/admin/")
        expect(page.locator(".messages")).to_contain_text("权限")
    assert SKU.objects.filter(spu=spu).count() == 1


SPU_LIST = "wagtailsnippets_catalog_spu:list"
SKU_LIST = "wagtailsnippets_catalog_sku:list"
SKU_EDIT = "wagtailsnippets_catalog_sku:edit"


def test_a_skus_option_rows_offer_only_its_spus_specifications(daphne_server, page, tmp_path):
    editor = staff(CONTENT_EDITORS, "editor")
    spu, skus = make_spu_with_specs(
        {"颜色": ["黑色", "白色", "金色"], "内存": ["64GB", "128GB"]}, missing={("金色", "64GB")}
    )
    other, _ = make_spu_with_specs({"颜色": ["红色"], "尺寸": ["大"]})
    sku = skus[("黑色", "64GB")]
    log_in(page, daphne_server, editor)
    page.goto(f"{daphne_server}{reverse(SKU_EDIT, args=[sku.pk])}")
    page.get_by_role("tab", name="规格").click()

    # The option select of the 颜色 row lists 颜色's options only (filtered by the row's specification).
    color_row = 0 if sku.specs.order_by("spec__sequence").first().spec.name == "颜色" else 1
    option_select = page.locator(f"#id_specs-{color_row}-option")
    expect(option_select.locator("option")).to_have_count(4)  # blank + 黑色, 白色, 金色
    expect(option_select.locator("option", has_text="64GB")).to_have_count(0)

    # The specification chooser opens on this SPU's specifications (the SPU field is linked), and searches.
    chooser = page.locator(f"#id_specs-{color_row}-spec-chooser")
    chooser.locator(".chosen [data-w-dropdown-target=toggle]").click()
    chooser.locator(".chosen [data-chooser-action-choose]").click()
    modal = page.locator(".modal")
    expect(modal.locator("tbody tr")).to_have_count(2)  # 颜色, 内存 of this SPU; not the other SPU's
    expect(modal).not_to_contain_text(other.name)
    modal.locator("input[name=q]").fill("颜")
    expect(modal.locator("tbody tr")).to_have_count(1)
    modal.locator("tbody tr a", has_text="颜色").first.click()
    expect(modal).to_be_hidden()

    # 金色 + 64GB is the missing combination: choose it and save.
    option_select.select_option(label="颜色: 金色")
    page.get_by_role("button", name="保存").first.click()
    expect(page.locator(".messages")).to_contain_text("已更新")
    assert sorted(sku.specs.values_list("option__value", flat=True)) == ["64GB", "金色"]

    # A row added later with the inline panel's button is filtered the same way once its specification is chosen.
    page.goto(f"{daphne_server}{reverse(SKU_EDIT, args=[sku.pk])}")
    page.get_by_role("tab", name="规格").click()
    page.locator("#id_specs-ADD").click()
    new_select = page.locator("#id_specs-2-option")
    expect(new_select).to_be_visible()
    new_chooser = page.locator("#id_specs-2-spec-chooser")
    new_chooser.locator("[data-chooser-action-choose]").first.click()
    modal = page.locator(".modal")
    modal.locator("tbody tr a", has_text="内存").first.click()
    expect(modal).to_be_hidden()
    expect(new_select.locator("option")).to_have_count(3)  # blank + 64GB, 128GB
    expect(new_select.locator("option", has_text="黑色")).to_have_count(0)
    page.screenshot(path=tmp_path / "sku-option-row-added.png", full_page=True)
