"""The demo catalog: realistic, complete, and idempotent (issue 2 part 5)."""

import io
from decimal import Decimal
from itertools import product

import pytest
from django.urls import resolve
from PIL import Image as PILImage
from wagtail.models import ReferenceIndex

from commerce.catalog import demo, demo_images
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
    assert picture.format == "JPEG" and picture.size == (demo_images.IMAGE_SIZE, demo_images.IMAGE_SIZE)
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


@pytest.fixture
def no_cjk_font(monkeypatch, tmp_path):
    """The CJK font missing; the font cache is emptied before and after so no other test draws without it."""
    monkeypatch.setattr(demo_images, "CJK_FONT", tmp_path / "missing.ttc")
    demo_images._load_font.cache_clear()
    yield
    demo_images._load_font.cache_clear()


def test_product_card_falls_back_to_ascii_labels_without_the_cjk_font(no_cjk_font):
    assert demo_images._load_font(26)[1] is False

    data = demo_images.render_product_card(subtitle="雅川青 12GB", colour="#2f5d50")

    assert PILImage.open(io.BytesIO(data)).size == (demo_images.IMAGE_SIZE, demo_images.IMAGE_SIZE)


def test_pictures_are_drawn_per_kind_of_product_and_skus_that_look_alike_share_one(catalog):
    phones = SKU.objects.filter(category__name="手机", spu__name__startswith="华为 HUAWEI Mate 60")
    by_finish = {}
    for sku in phones.select_related("default_image"):
        finish = next(v for v in ("雅川青", "雅丹黑", "白沙银") if v in sku.name)
        by_finish.setdefault(finish, set()).add(sku.default_image_id)
    assert all(len(ids) == 1 for ids in by_finish.values()) and len(by_finish) == 3
    # Every kind of the demo tree has its own drawing (none falls back to the plain box).
    kinds = {spec.picture_kind for spec in demo.demo_catalog().spus}
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


def _shop_fingerprint() -> tuple[dict[str, int], str]:
    """Counts and a digest of every demo row a shopper sees: tree, brands, SPU texts, SKU names, prices, stock."""
    import hashlib
    import json

    from commerce.catalog.models import Brand, GoodsCategory

    rows = {
        "tree": sorted(
            (c.group.name, c.group.sequence, c.category.name, c.sequence, resolve(c.url).url_name)
            for c in GoodsChannel.objects.select_related("group", "category")
        ),
        "categories": sorted(
            (c.name, c.parent.name if c.parent else "", c.sequence)
            for c in GoodsCategory.objects.select_related("parent")
        ),
        "brands": sorted((b.name, b.first_letter) for b in Brand.objects.all()),
        "spus": sorted(
            (
                s.name,
                s.brand.name,
                s.category1.name,
                s.category2.name,
                s.category3.name,
                s.desc_detail,
                s.desc_pack,
                s.desc_service,
            )
            for s in SPU.objects.select_related("brand", "category1", "category2", "category3")
        ),  # fmt: skip
        "specs": sorted(
            (spec.spu.name, spec.name, spec.sequence, [(o.value, o.sort_order) for o in spec.options.all()])
            for spu in SPU.objects.prefetch_related("specs__options", "specs__spu")
            for spec in spu.specs.all()
        ),
        "skus": sorted(
            (
                s.name,
                s.caption,
                str(s.price),
                str(s.market_price),
                str(s.cost_price),
                s.stock,
                s.is_launched,
                s.default_image.title,
                sorted(i.image.title for i in s.images.all()),
            )
            for s in SKU.objects.select_related("default_image").prefetch_related("images__image")
        ),  # fmt: skip
    }
    counts = {key: len(value) for key, value in rows.items()}
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return counts, digest


def test_the_demo_command_loads_the_same_shop_as_before_the_data_moved_to_a_file():
    """`manage.py load_demo` (what `make run` calls) builds exactly the shop the Python-literal catalog built:
    the digest was taken from the loader before its data moved to commerce/catalog/data/demo_catalog.json."""
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())

    counts, digest = _shop_fingerprint()
    assert counts == {"tree": 7, "categories": 57, "brands": 20, "spus": 41, "specs": 84, "skus": 179}
    assert digest == "91755efca85ad6bd782eaf4077769a2759587c61e3194c692095ddf8016fbcea"
