"""Operators' catalog tools (issue #15): the variant generator (missing option combinations become SKUs, once)
and the bulk edit of price, stock and 上架 (checked per row, all or nothing, stock announced after commit).
Run on SQLite by default and on PostgreSQL with DATABASE_URL=postgres://..."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django_redis import get_redis_connection

from commerce.catalog import bulk
from commerce.catalog.models import SKU, SKUSpecification, SpecificationOption
from commerce.catalog.stock import DUE_KEY
from tests.commerce.orders.admin_support import staff_client
from tests.factories import SKUFactory, SPUFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db(transaction=True)


def options_of(spu, **chosen: list[str]) -> list[int]:
    """Option ids of `spu` by specification name and values."""
    ids = []
    for spec in spu.specs.all():
        ids += [o.pk for o in spec.options.all() if o.value in chosen.get(spec.name, [])]
    return ids


def combos(spu) -> set[tuple[str, ...]]:
    result = set()
    for sku in SKU.objects.filter(spu=spu):
        rows = SKUSpecification.objects.filter(sku=sku).order_by("spec__sequence")
        result.add(tuple(row.option.value for row in rows))
    return result


def test_the_generator_creates_only_the_missing_combinations_and_is_idempotent():
    spu, skus = make_spu_with_specs(
        {"颜色": ["黑色", "白色", "蓝色"], "内存": ["64GB", "128GB"]}, missing={("白色", "128GB"), ("蓝色", "64GB")}
    )
    SpecificationOption.objects.create(spec=spu.specs.get(name="颜色"), value="金色", sort_order=9)
    chosen = options_of(spu, 颜色=["黑色", "白色", "金色"], 内存=["64GB", "128GB"])

    result = bulk.generate_variants(spu_id=spu.pk, option_ids=chosen, price=Decimal("2999.00"), stock=5)

    names = sorted(sku.name for sku in result.created)
    assert names == sorted(f"{spu.name} {c} {m}" for c, m in [("白色", "128GB"), ("金色", "64GB"), ("金色", "128GB")])
    assert result.skipped == 3  # 黑色×2 and 白色 64GB existed
    new = SKU.objects.get(name=f"{spu.name} 金色 128GB")
    assert (new.price, new.market_price, new.stock, new.is_launched, new.category_id) == (
        Decimal("2999.00"),
        Decimal("2999.00"),
        5,
        False,
        spu.category3_id,
    )
    assert ("蓝色", "64GB") not in combos(spu)  # not chosen, not created
    count = SKU.objects.count()

    again = bulk.generate_variants(spu_id=spu.pk, option_ids=chosen, price=Decimal("1.00"), stock=0)
    assert (again.created, again.skipped, SKU.objects.count()) == ([], 6, count)


def test_the_generator_refuses_bad_input_and_writes_nothing():
    spu, _ = make_spu_with_specs({"颜色": ["黑色"], "内存": ["64GB"]})
    other, _ = make_spu_with_specs({"尺码": ["L"]})
    count = SKU.objects.count()
    cases = [
        (dict(option_ids=options_of(spu, 颜色=["黑色"])), "内存"),
        (dict(option_ids=options_of(other, 尺码=["L"]) + options_of(spu, 颜色=["黑色"], 内存=["64GB"])), "不属于"),
        (dict(option_ids=[], spu_id=SPUFactory().pk), "还没有规格"),
        (dict(option_ids=[1], spu_id=10**12), "不存在"),
        (dict(option_ids=options_of(spu, 颜色=["黑色"], 内存=["64GB"]), price=None), "单价"),
        (dict(option_ids=options_of(spu, 颜色=["黑色"], 内存=["64GB"]), stock=None), "库存"),
    ]
    for kwargs, message in cases:
        kwargs = {"spu_id": spu.pk, "price": Decimal("1.00"), "stock": 1, **kwargs}
        with pytest.raises(bulk.InvalidVariants) as caught:
            bulk.generate_variants(**kwargs)
        assert message in caught.value.message, (kwargs, caught.value.message)
    assert SKU.objects.count() == count


def test_bulk_edit_saves_every_row_or_none_and_announces_stock_after_commit():
    a = SKUFactory(price=Decimal("100.00"), market_price=Decimal("150.00"), stock=3, is_launched=True)
    b = SKUFactory(price=Decimal("200.00"), market_price=Decimal("250.00"), stock=7, is_launched=False)
    redis = get_redis_connection("default")
    redis.delete(DUE_KEY)

    # One bad row: nothing saved, every row's problem named.
    with pytest.raises(bulk.InvalidBulkEdit) as caught:
        bulk.bulk_edit_skus(
            [
                bulk.BulkRow(sku_id=a.pk, price="160.00", stock="-1", is_launched=True),
                bulk.BulkRow(sku_id=b.pk, price="199.5", stock="9", is_launched=True),
            ]
        )
    assert caught.value.errors == {a.pk: ["单价不能高于市场价 ¥150.00", "库存必须是 0 或正整数"]}
    assert SKU.objects.values_list("price", "stock", "is_launched").get(pk=b.pk) == (Decimal("200.00"), 7, False)
    for price in ("0", "abc", "1.234", "1e3", "-5"):
        with pytest.raises(bulk.InvalidBulkEdit) as caught:
            bulk.bulk_edit_skus([bulk.BulkRow(sku_id=a.pk, price=price, stock="1", is_launched=True)])
        assert caught.value.errors[a.pk] == ["单价必须是大于 0、最多两位小数的数字"]
    assert not redis.zscore(DUE_KEY, a.pk) and not redis.zscore(DUE_KEY, b.pk)

    # All good: saved; the stock change is announced only once the transaction commits.
    with transaction.atomic():
        changed = bulk.bulk_edit_skus(
            [
                bulk.BulkRow(sku_id=a.pk, price="100.00", stock="3", is_launched=False),  # 上架 only
                bulk.BulkRow(sku_id=b.pk, price="199.50", stock="9", is_launched=True),
            ]
        )
        assert changed == 2
        assert redis.zscore(DUE_KEY, b.pk) is None
    assert redis.zscore(DUE_KEY, b.pk) is not None  # the stock push path (catalog.stock) ran after commit
    assert redis.zscore(DUE_KEY, a.pk) is None  # a's stock did not change
    assert SKU.objects.values_list("price", "stock", "is_launched").get(pk=b.pk) == (Decimal("199.50"), 9, True)
    assert SKU.objects.get(pk=a.pk).is_launched is False


def test_the_tools_need_their_catalog_permissions(client):
    from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF

    spu, skus = make_spu_with_specs({"颜色": ["黑色"]})
    sku = skus[("黑色",)]
    clerk = staff_client(ORDER_STAFF, "clerk")  # catalog view only
    for url in (f"/admin/catalog-tools/spus/{spu.pk}/variants/", f"/admin/catalog-tools/skus/bulk-edit/?id={sku.pk}"):
        response = clerk.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
        response = clerk.post(url, {"id": sku.pk, f"price_{sku.pk}": "1.00", f"stock_{sku.pk}": "1", "price": "1"})
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    assert SKU.objects.get(pk=sku.pk).price == Decimal("1999.00")
    assert SKU.objects.filter(spu=spu).count() == 1
    editor = staff_client(CONTENT_EDITORS, "editor")
    assert editor.get(f"/admin/catalog-tools/spus/{spu.pk}/variants/").status_code == 200
    assert editor.get(f"/admin/catalog-tools/skus/bulk-edit/?id={sku.pk}").status_code == 200
    assert editor.get("/admin/catalog-tools/spus/999999999/variants/").status_code == 404
    response = editor.post(f"/admin/catalog-tools/skus/bulk-edit/?id={sku.pk}", {"id": sku.pk, f"price_{sku.pk}": "x"})
    assert response.status_code == 400 and "单价必须是大于 0" in response.content.decode()


def test_the_specification_chooser_keeps_to_the_linked_spu_and_options_carry_their_specification():
    from django.urls import reverse

    from cms.management.staff_groups import CONTENT_EDITORS, ORDER_STAFF

    spu, skus = make_spu_with_specs({"颜色": ["黑色"], "内存": ["64GB"]}, name="华为手机")
    make_spu_with_specs({"颜色": ["红色"]}, name="小米电视")
    editor = staff_client(CONTENT_EDITORS, "editor")
    results = reverse("wagtailsnippetchoosers_catalog_spuspecification:choose_results")
    html = editor.get(results, {"spu": spu.pk}).content.decode()
    assert "华为手机" in html and "小米电视" not in html
    assert editor.get(results, {"spu": "x"}).status_code == 200  # a bad value filters nothing, no error page
    edit = editor.get(reverse("wagtailsnippets_catalog_sku:edit", args=[skus[("黑色", "64GB")].pk])).content.decode()
    assert 'data-widget="filtered-select"' in edit and 'data-filter-field="id_specs-0-spec"' in edit
    color = spu.specs.get(name="颜色")
    assert f'data-filter-value="{color.pk}"' in edit
    clerk = staff_client(ORDER_STAFF, "clerk")
    response = clerk.get(reverse("wagtailsnippets_catalog_sku:edit", args=[skus[("黑色", "64GB")].pk]))
    assert response.status_code == 302 and response["Location"] == "/admin/"
