"""Demo catalog loader (issue 2 part 5): channels, a 3-level category tree, brands, SPUs with specifications and SKUs.

The catalog itself is data: commerce/catalog/data/demo_catalog.json (its "_comment" says what each field
means); product pictures are drawn by demo_images. ``load_catalog()`` is idempotent: every object is looked up
by its name (within its parent) and only created when missing, so running it again creates nothing and never
overwrites what editors changed. Every third-level category has products (issue 13: no category link on the
home page leads to an empty list). Pictures are stored as Wagtail images in the "商品图片" collection; a database
loaded by the first loader has its text cards swapped for them. Sales and review counts start at 0:
commerce.orders.demo creates the orders and comments behind them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import logging
import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.cache import cache
from django.core.files.images import ImageFile
from django.db import transaction
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from commerce.catalog import demo_images
from commerce.catalog import models as models
from commerce.catalog.selectors import CATEGORY_MENU_KEY

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_catalog.json"
IMAGE_COLLECTION = "商品图片"
GALLERY_SUFFIX = "实物图"  # the SPU's second picture (the first loader's text card was titled "细节图")
STAT_KEYS = (
    "channel_groups", "channels", "categories", "brands", "spus", "specifications", "options",
    "skus", "sku_specs", "sku_images", "images",
)  # fmt: skip


@dataclass(frozen=True)
class DemoSPU:
    """One SPU of the data file, defaults filled in."""

    name: str
    label: str  # ASCII short name drawn on the product card when no CJK font is installed
    brand: str
    path: tuple[str, str, str]
    specs: dict[str, list[str]]
    base_price: str
    caption: str
    points: list[str]
    pack: list[str]
    service: str  # the after-sales HTML
    colour: str
    short: str  # the name drawn on the card (CJK font available)
    deltas: dict[str, str]
    kind: str  # what demo_images draws (phone, laptop, fruit ...); "" = by the third-level category
    missing: frozenset[tuple[str, ...]]
    unlaunched: frozenset[tuple[str, ...]]

    @property
    def picture_kind(self) -> str:
        return demo_images.picture_kind(self.kind, self.path[2])


@dataclass(frozen=True)
class DemoCatalog:
    category_tree: dict[str, dict[str, dict[str, list[str]]]]  # group -> channel (level 1) -> level 2 -> level 3
    brands: dict[str, str]  # name -> first letter
    spus: list[DemoSPU]


def _spu(row: dict, services: dict[str, str], service_by_category: dict[str, str]) -> DemoSPU:
    path = tuple(row["path"])
    return DemoSPU(
        name=row["name"],
        label=row.get("label") or "Product",
        brand=row["brand"],
        path=path,  # type: ignore[arg-type]
        specs=row["specs"],
        base_price=row["base_price"],
        caption=row.get("caption", "美好商城自营 | 正品保障"),
        points=row.get("points", ["美好商城自营，正品保障", "全国联保，售后无忧"]),
        pack=row.get("pack", [f"{path[2]} ×1", "说明书 ×1"]),
        service=services[row.get("service") or service_by_category.get(path[0], "electronics")],
        colour=row.get("colour", "#5b6b7a"),
        short=row.get("short") or f"{row['brand']} {row.get('label') or 'Product'}",
        deltas=row.get("deltas", {}),
        kind=row.get("kind", ""),
        missing=frozenset(tuple(values) for values in row.get("missing", [])),
        unlaunched=frozenset(tuple(values) for values in row.get("unlaunched", [])),
    )


@functools.cache
def demo_catalog(path: Path = DATA_FILE) -> DemoCatalog:
    """The demo catalog of the data file (read once per process)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    spus = [_spu(row, data["services"], data["service_by_category"]) for row in data["spus"]]
    return DemoCatalog(category_tree=data["category_tree"], brands=data["brands"], spus=spus)


def picture_kind(spec: DemoSPU, values: tuple[str, ...] = ()) -> str:
    return demo_images.picture_kind(spec.kind, spec.path[2], values)


def picture_look(spec: DemoSPU, values: tuple[str, ...]) -> str:
    return demo_images.picture_look(spec.kind, spec.path[2], values)


def _image_collection() -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=IMAGE_COLLECTION).first()
    return existing or root.add_child(name=IMAGE_COLLECTION)


def _get_or_create_image(*, title: str, filename: str, collection: Collection, stats: dict, **card) -> object:
    """The Wagtail image titled `title` in the demo collection, drawn and stored on first use."""
    image_model = get_image_model()
    image = image_model.objects.filter(title=title, collection=collection).first()
    if image is not None:
        return image
    data = demo_images.render_product_card(**card)
    image = image_model(
        title=title,
        collection=collection,
        file=ImageFile(io.BytesIO(data), name=filename),
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),  # noqa: S324 - Wagtail's duplicate detection uses SHA-1
    )
    image.save()
    stats["images"] += 1
    return image


# --- Catalog ------------------------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _prices(spu: DemoSPU, values: tuple[str, ...]) -> tuple[Decimal, Decimal, Decimal]:
    """(price, market price, cost price) for one option combination; market price ends in 9 like a real tag."""
    price = _money(Decimal(spu.base_price) + sum((Decimal(spu.deltas.get(v, "0")) for v in values), Decimal("0")))
    step = Decimal("100") if price >= 1000 else Decimal("10")
    market = (price * Decimal("1.12") / step).to_integral_value(rounding="ROUND_CEILING") * step - 1
    if market <= price:
        market = price + step - 1
    return price, _money(market), _money(price * Decimal("0.78"))


def _stable_number(text: str) -> int:
    return zlib.crc32(text.encode())


def _category_path(
    path: tuple[str, str, str], categories: dict[tuple[str, ...], models.GoodsCategory]
) -> list[models.GoodsCategory]:
    return [categories[path[:1]], categories[path[:2]], categories[path]]


def _load_tree(tree: dict, stats: dict) -> dict[tuple[str, ...], models.GoodsCategory]:
    categories: dict[tuple[str, ...], models.GoodsCategory] = {}

    def node(name: str, parent: models.GoodsCategory | None, sequence: int) -> models.GoodsCategory:
        category, created = models.GoodsCategory.objects.get_or_create(
            name=name, parent=parent, defaults={"sequence": sequence}
        )
        stats["categories"] += created
        return category

    for group_seq, (group_name, channels) in enumerate(tree.items()):
        group, created = models.GoodsChannelGroup.objects.get_or_create(
            name=group_name, defaults={"sequence": group_seq}
        )
        stats["channel_groups"] += created
        for channel_seq, (cat1_name, subs) in enumerate(channels.items()):
            cat1 = node(cat1_name, None, group_seq * 10 + channel_seq)
            categories[(cat1_name,)] = cat1
            first_cat3 = None
            for seq2, (cat2_name, cat3_names) in enumerate(subs.items()):
                cat2 = node(cat2_name, cat1, seq2)
                categories[(cat1_name, cat2_name)] = cat2
                for seq3, cat3_name in enumerate(cat3_names):
                    cat3 = node(cat3_name, cat2, seq3)
                    categories[(cat1_name, cat2_name, cat3_name)] = cat3
                    first_cat3 = first_cat3 or cat3
            _, created = models.GoodsChannel.objects.get_or_create(
                group=group,
                category=cat1,
                defaults={"sequence": channel_seq, "url": reverse("catalog:category", args=[first_cat3.pk])},
            )
            stats["channels"] += created
    return categories


def _load_spu(
    spec: DemoSPU,
    first_letter: str,
    categories: dict[tuple[str, ...], models.GoodsCategory],
    collection: Collection,
    stats: dict,
) -> None:
    brand, created = models.Brand.objects.get_or_create(name=spec.brand, defaults={"first_letter": first_letter})
    stats["brands"] += created
    cat1, cat2, cat3 = _category_path(spec.path, categories)
    detail = "<h3>产品亮点</h3><ul>" + "".join(f"<li>{p}</li>" for p in spec.points) + "</ul>"
    detail += f"<p>{spec.name}：{spec.caption}。</p>"
    spu, created = models.SPU.objects.get_or_create(
        name=spec.name,
        defaults={
            "brand": brand,
            "category1": cat1,
            "category2": cat2,
            "category3": cat3,
            "desc_detail": detail,
            "desc_pack": "<p>包装清单：</p><ul>" + "".join(f"<li>{item}</li>" for item in spec.pack) + "</ul>",
            "desc_service": spec.service,
        },
    )
    stats["spus"] += created

    spec_options: list[list[tuple[models.SPUSpecification, models.SpecificationOption]]] = []
    for sequence, (spec_name, values) in enumerate(spec.specs.items()):
        specification, created = models.SPUSpecification.objects.get_or_create(
            spu=spu, name=spec_name, defaults={"sequence": sequence}
        )
        stats["specifications"] += created
        options = []
        for order, value in enumerate(values):
            option, created = models.SpecificationOption.objects.get_or_create(
                spec=specification, value=value, defaults={"sort_order": order}
            )
            stats["options"] += created
            options.append((specification, option))
        spec_options.append(options)

    gallery = _get_or_create_image(
        title=f"{spec.name} {GALLERY_SUFFIX}",
        filename=f"demo-spu-{_stable_number(spec.name):08x}.jpg",
        collection=collection,
        stats=stats,
        subtitle=spec.short,
        colour=spec.colour,
        variant=1,
        kind=picture_kind(spec),
    )

    for combination in itertools.product(*spec_options):
        values = tuple(option.value for _, option in combination)
        if values in spec.missing:
            continue
        name = f"{spec.name} {' '.join(values)}"
        sku = models.SKU.objects.filter(spu=spu, name=name).first()
        if sku is None:
            sku = _create_sku(spec, spu, cat3, name, values, collection, gallery, stats)
        else:
            _replace_text_cards(spec, sku, values, collection, gallery, stats)
        for specification, option in combination:
            _, created = models.SKUSpecification.objects.get_or_create(
                sku=sku, spec=specification, defaults={"option": option}
            )
            stats["sku_specs"] += created


def _sku_picture(spec: DemoSPU, values: tuple[str, ...], collection: Collection, stats: dict) -> object:
    """The drawn picture of an option combination; SKUs that look alike (same finish, e.g. 雅川青 12GB+256GB and
    雅川青 12GB+512GB) share one."""
    look = picture_look(spec, values)
    kind = picture_kind(spec, values)
    return _get_or_create_image(
        title=f"{spec.name} {look}" if kind == picture_kind(spec) else f"{spec.name} {look} ({kind})",
        filename=f"demo-sku-{_stable_number(spec.name + look + kind):08x}.jpg",
        collection=collection,
        stats=stats,
        subtitle=look,
        colour=spec.colour,
        kind=kind,
        values=values,
    )


def _replace_text_cards(
    spec: DemoSPU, sku: models.SKU, values: tuple[str, ...], collection: Collection, gallery: object, stats: dict
) -> None:
    """A database loaded by the first demo loader shows text cards: an image titled like the SKU and one titled
    "<SPU> 细节图", in the demo collection. Swap those for the drawn pictures; images an editor chose stay."""
    old_main = models.SKUImage.objects.filter(sku=sku, image__collection=collection, image__title=sku.name)
    old_gallery = models.SKUImage.objects.filter(
        sku=sku, image__collection=collection, image__title=f"{spec.name} 细节图"
    )
    default_is_card = models.SKU.objects.filter(
        pk=sku.pk, default_image__collection=collection, default_image__title=sku.name
    ).exists()
    if not (default_is_card or old_main.exists() or old_gallery.exists()):
        return
    main = _sku_picture(spec, values, collection, stats)
    stats["sku_images"] += old_main.update(image=main) + old_gallery.update(image=gallery)
    if default_is_card:
        sku.default_image = main
        sku.save(update_fields=["default_image"])  # signals: hot sellers' cache and the static pages follow


def _create_sku(
    spec: DemoSPU,
    spu: models.SPU,
    category: models.GoodsCategory,
    name: str,
    values: tuple[str, ...],
    collection: Collection,
    gallery: object,
    stats: dict,
) -> models.SKU:
    """A new SKU saved once, with its own card as default image and the SPU's detail card in its gallery."""
    number = _stable_number(name)
    main = _sku_picture(spec, values, collection, stats)
    price, market, cost = _prices(spec, values)
    sku = models.SKU.objects.create(
        spu=spu,
        name=name,
        caption=spec.caption,
        category=category,
        price=price,
        market_price=market,
        cost_price=cost,
        stock=20 + number % 180,
        sales=0,  # counted from real orders only: commerce.orders.demo places the demo shoppers' orders
        comments=0,
        is_launched=values not in spec.unlaunched,
        default_image=main,
    )
    models.SKUImage.objects.create(sku=sku, image=main, sort_order=0)
    models.SKUImage.objects.create(sku=sku, image=gallery, sort_order=1)
    stats["skus"] += 1
    stats["sku_images"] += 2
    stats["new_sku_ids"].append(sku.pk)
    return sku


def load_catalog() -> dict[str, int]:
    """Create whatever part of the demo catalog is missing; return totals per model and how many rows were new."""
    stats: dict = dict.fromkeys(STAT_KEYS, 0)
    stats["new_sku_ids"] = []
    # Wagtail's reference index would be rebuilt after every single save (most of the load time); it is
    # updated once per new SKU below instead (SKUs are what reference the images). The search index stays on.
    with transaction.atomic(), disable_reference_index_auto_update():
        catalog = demo_catalog()
        categories = _load_tree(catalog.category_tree, stats)
        collection = _image_collection()
        for spec in catalog.spus:
            _load_spu(spec, catalog.brands[spec.brand], categories, collection, stats)
    new_sku_ids = stats.pop("new_sku_ids")
    for sku in models.SKU.objects.filter(pk__in=new_sku_ids):
        ReferenceIndex.create_or_update_for_object(sku)
    created = sum(stats.values())
    if created:
        cache.delete(CATEGORY_MENU_KEY)
        logger.info("Demo catalog: created %s", {k: v for k, v in stats.items() if v})
    image_model = get_image_model()
    return {
        "channel_groups": models.GoodsChannelGroup.objects.count(),
        "channels": models.GoodsChannel.objects.count(),
        "categories": models.GoodsCategory.objects.count(),
        "brands": models.Brand.objects.count(),
        "spus": models.SPU.objects.count(),
        "skus": models.SKU.objects.count(),
        "images": image_model.objects.count(),
        "created": created,
    }
