"""The demo catalog: realistic, complete, and idempotent (issue 2 part 5)."""

import io
from decimal import Decimal
from itertools import product

import pytest
from django.urls import resolve
from PIL import Image as PILImage
from wagtail.models import ReferenceIndex

from commerce.catalog import demo
from commerce.catalog.models import SKU, SPU, GoodsChannel, GoodsChannelGroup, SKUImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return demo.load_catalog()


def test_demo_catalog_has_channels_a_three_level_tree_and_enough_spus_and_skus(catalog):
    assert catalog["channel_groups"] >= 4 and GoodsChannelGroup.objects.count() == catalog["channel_groups"]
    assert catalog["channels"] >= 4 and GoodsChannel.objects.count() == catalog["channels"]
    assert catalog["spus"] >= 12 and SPU.objects.count() == catalog["spus"]
    assert catalog["skus"] >= 40 and SKU.objects.count() == catalog["skus"]
    assert catalog["created"] > 0
    for channel in GoodsChannel.objects.select_related("category"):
        assert channel.category.parent_id is None
        third_levels = [cat3 for cat2 in channel.category.subs.all() for cat3 in cat2.subs.all()]
        assert third_levels and all(cat3.level == 3 for cat3 in third_levels)
        assert resolve(channel.url).url_name == "category"


def test_every_spu_has_two_or_three_specifications_and_skus_for_most_combinations(catalog):
    incomplete = 0
    for spu in SPU.objects.prefetch_related("specs__options", "skus__specs__option"):
        specs = list(spu.specs.all())
        assert 2 <= len(specs) <= 3, spu.name
        assert spu.category3.parent == spu.category2 and spu.category2.parent == spu.category1
        assert spu.desc_detail and spu.desc_pack and spu.desc_service
        combinations = len(list(product(*[spec.options.all() for spec in specs])))
        skus = list(spu.skus.all())
        assert 0 < len(skus) <= combinations
        incomplete += len(skus) < combinations
        for sku in skus:
            rows = list(sku.specs.all())
            assert sorted(r.spec_id for r in rows) == sorted(s.pk for s in specs), sku.name
            assert all(r.option.spec_id == r.spec_id for r in rows)
            assert sku.category_id == spu.category3_id
    assert incomplete >= 2  # missing combinations show as disabled options in the spec switcher


def test_every_sku_has_a_generated_image_and_real_looking_decimal_prices(catalog):
    for sku in SKU.objects.select_related("default_image"):
        assert sku.default_image is not None, sku.name
        assert SKUImage.objects.filter(sku=sku, image=sku.default_image).exists()
        assert sku.images.count() >= 2
        assert isinstance(sku.price, Decimal) and sku.price.as_tuple().exponent == -2
        assert sku.cost_price < sku.price < sku.market_price
        assert sku.caption and sku.stock > 0
    with SKU.objects.first().default_image.open_file() as f:
        picture = PILImage.open(io.BytesIO(f.read()))
    assert picture.format == "JPEG" and picture.size == (demo.IMAGE_SIZE, demo.IMAGE_SIZE)
    # The generated SKUs are in Wagtail's reference index, so an image's "usage" lists them.
    assert ReferenceIndex.get_references_to(SKU.objects.first().default_image).exists()


def test_catalog_includes_huawei_phones_and_exactly_one_unlaunched_sku(catalog):
    huawei_phones = SPU.objects.filter(brand__name="华为", name__contains="手机", category3__name="手机")
    assert huawei_phones.count() >= 2
    assert SKU.objects.filter(spu__in=huawei_phones, caption__contains="华为手机").exists()
    assert SKU.objects.filter(is_launched=False).count() == 1


def test_loading_twice_creates_nothing_and_keeps_editor_changes(catalog):
    sku = SKU.objects.first()
    SKU.objects.filter(pk=sku.pk).update(stock=3, price=Decimal("1.00"))

    again = demo.load_catalog()

    assert again["created"] == 0
    assert {k: v for k, v in again.items() if k != "created"} == {k: v for k, v in catalog.items() if k != "created"}
    sku.refresh_from_db()
    assert (sku.stock, sku.price) == (3, Decimal("1.00"))


def test_product_card_falls_back_to_ascii_labels_without_the_cjk_font(monkeypatch, tmp_path):
    monkeypatch.setattr(demo, "CJK_FONT", tmp_path / "missing.ttc")

    data = demo.render_product_card(
        heading="华为 Mate", ascii_heading="Mate 60 Pro", subtitle="雅川青 12GB", colour="#2f5d50"
    )

    assert PILImage.open(io.BytesIO(data)).size == (demo.IMAGE_SIZE, demo.IMAGE_SIZE)


def test_pictures_are_drawn_per_kind_of_product_and_skus_that_look_alike_share_one(catalog):
    phones = SKU.objects.filter(category__name="手机", spu__name__startswith="华为 HUAWEI Mate 60")
    by_finish = {}
    for sku in phones.select_related("default_image"):
        finish = next(v for v in ("雅川青", "雅丹黑", "白沙银") if v in sku.name)
        by_finish.setdefault(finish, set()).add(sku.default_image_id)
    assert all(len(ids) == 1 for ids in by_finish.values()) and len(by_finish) == 3
    # Every kind of the demo tree has its own drawing (none falls back to the plain box).
    kinds = {demo.picture_kind(spec) for spec in demo.SPUS}
    assert "package" not in kinds and {"phone", "laptop", "tv", "earbuds", "apple"} <= kinds


def test_a_database_from_the_first_loader_gets_its_text_cards_replaced(catalog):
    from wagtail.images import get_image_model

    sku = SKU.objects.select_related("default_image").filter(is_launched=True).first()
    drawn = sku.default_image
    card = get_image_model().objects.create(
        title=sku.name, collection=drawn.collection, file=drawn.file.name, width=600, height=600
    )
    SKU.objects.filter(pk=sku.pk).update(default_image=card)
    SKUImage.objects.filter(sku=sku, image=drawn).update(image=card)

    demo.load_catalog()

    sku.refresh_from_db()
    assert sku.default_image_id == drawn.pk
    assert not SKUImage.objects.filter(sku=sku, image=card).exists()
    assert SKUImage.objects.filter(sku=sku, image=drawn).exists()
