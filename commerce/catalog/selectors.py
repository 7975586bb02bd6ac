"""Catalog reads shared by views, pages and jobs.

Everything here is read-only. Results that every page needs (the category menu, hot sellers) are cached in
Redis through Django's cache; they hold plain dicts and strings, never model instances.

Images are loaded with their SKUs (a join), not with their renditions: Wagtail finds a rendition in the
per-process "renditions" cache (config/settings/base.py), so a warm process renders a page of images without
another query, and without writing to Redis.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from django.db.models import Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from commerce import sql
from commerce.catalog.models import (
    SKU,
    SPU,
    Brand,
    GoodsCategory,
    GoodsChannel,
    GoodsVisitCount,
    SpecificationOption,
)
from commerce.page_memo import frozen

CATEGORY_MENU_KEY = "catalog:category-menu"
CATEGORY_MENU_VERSION_KEY = "catalog:category-menu-version"
CATEGORY_MENU_SECONDS = 300
HOT_SKUS_KEY = "catalog:hot-skus:{category_id}"

# Wagtail image filter specs used by the shop's templates (one place, so prefetches match the templates).
CARD_IMAGE = "fill-400x400"
THUMB_IMAGE = "fill-80x80"
DETAIL_IMAGE = "max-800x800"
HOT_IMAGE = "fill-160x160"

# Sort keys of the category list; anything else falls back to "default".
LIST_SORTS: dict[str, tuple[str, ...]] = {
    "default": ("-created_at", "-id"),
    "price": ("price", "id"),
    "hot": ("-sales", "id"),
}


def _category_url(category_id: int) -> str:
    return reverse("catalog:category", args=[category_id])


def get_category_menu() -> list[dict]:
    """Channel groups in order, each with its channels and their second/third-level categories (cached).

    Three queries on a cold cache, none on a warm one. Shape::

        [{"name": "手机 / 相机", "channels": [{"id", "name", "url"}],
          "subs": [{"id", "name", "url", "subs": [{"id", "name", "url"}]}]}]
    """
    menu = cache.get(CATEGORY_MENU_KEY)
    if menu is not None:
        return menu
    channels = list(
        GoodsChannel.objects.select_related("group", "category").order_by(
            "group__sequence", "group_id", "sequence", "id"
        )
    )
    cat2_by_parent: dict[int, list[GoodsCategory]] = {}
    cat2s = GoodsCategory.objects.filter(parent_id__in={c.category_id for c in channels}).prefetch_related(
        Prefetch("subs", queryset=GoodsCategory.objects.order_by("sequence", "id"))
    )
    for cat2 in cat2s:
        cat2_by_parent.setdefault(cat2.parent_id, []).append(cat2)

    groups: dict[int, dict] = {}
    for channel in channels:
        group = groups.setdefault(channel.group_id, {"name": channel.group.name, "channels": [], "subs": []})
        group["channels"].append(
            {
                "id": channel.category_id,
                "name": channel.category.name,
                "url": channel.url or _category_url(channel.category_id),
            }
        )
        for cat2 in cat2_by_parent.get(channel.category_id, []):
            group["subs"].append(
                {
                    "id": cat2.id,
                    "name": cat2.name,
                    "url": _category_url(cat2.id),
                    "subs": [{"id": c.id, "name": c.name, "url": _category_url(c.id)} for c in cat2.subs.all()],
                }
            )
    menu = list(groups.values())
    cache.set(CATEGORY_MENU_KEY, menu, CATEGORY_MENU_SECONDS)
    return menu


def get_category(category_id: int) -> GoodsCategory | None:
    """The category with its parents loaded (for breadcrumbs), or None."""
    try:  # get(), not first(): no ORDER BY to build for a primary-key lookup
        return GoodsCategory.objects.select_related("parent__parent").get(pk=category_id)
    except GoodsCategory.DoesNotExist:
        return None


def get_breadcrumb(category: GoodsCategory) -> list[GoodsCategory]:
    """The path from the first-level category down to `category` (parents must be loaded or cheap)."""
    path = [category]
    while path[0].parent_id and len(path) < 3:
        path.insert(0, path[0].parent)
    return path


def _skus_with_images(queryset: QuerySet[SKU], *filters: str) -> QuerySet[SKU]:
    """The SKUs with their default image joined in (one query; renditions come from the renditions cache)."""
    return queryset.select_related(None).select_related("default_image")


def launched_skus_of_category(category: GoodsCategory) -> QuerySet[SKU]:
    """Launched SKUs under a category of any level (SKUs hang on the third level)."""
    level = category.level
    lookup = {1: "spu__category1_id", 2: "spu__category2_id"}.get(level, "category_id")
    return SKU.objects.filter(is_launched=True, **{lookup: category.pk})


def normalize_sort(sort: str | None) -> str:
    """A known sort key, or "default" for anything else."""
    return sort if sort in LIST_SORTS else "default"


def list_category_skus(category: GoodsCategory, sort: str) -> QuerySet[SKU]:
    """Launched SKUs of the category in the requested order, with card images prefetched."""
    queryset = launched_skus_of_category(category).order_by(*LIST_SORTS[normalize_sort(sort)])
    return _skus_with_images(queryset, CARD_IMAGE)


def list_category_cards(category: GoodsCategory, sort: str) -> QuerySet:
    """The category list's cards in the requested order as (id, updated_at, default_image_id) rows, no model
    instances: what a card shows depends on (each card's own `{% cache %}` key), so a page of rows keys the
    grid kept per process, and the SKUs themselves (`list_skus_by_ids`) load only when the grid is drawn."""
    queryset = launched_skus_of_category(category).order_by(*LIST_SORTS[normalize_sort(sort)])
    return queryset.values_list("pk", "updated_at", "default_image_id")


def list_hot_skus(category_id: int) -> list[dict]:
    """Best sellers of a category (by sales), cached for SHOP_HOT_SKU_CACHE_SECONDS.

    Each item is a plain dict: id, name, price (Decimal), url, image_url (or "").
    """
    key = HOT_SKUS_KEY.format(category_id=category_id)
    hot = cache.get(key)
    if hot is not None:
        return hot
    category = get_category(category_id)
    hot = []
    if category is not None:
        queryset = launched_skus_of_category(category).order_by("-sales", "id")[: settings.SHOP_HOT_SKU_COUNT]
        for sku in _skus_with_images(queryset, HOT_IMAGE):
            image = sku.default_image
            hot.append(
                {
                    "id": sku.id,
                    "name": sku.name,
                    "price": Decimal(sku.price),
                    "url": sku.get_absolute_url(),
                    "image_url": image.get_rendition(HOT_IMAGE).url if image else "",
                }
            )
    cache.set(key, hot, settings.SHOP_HOT_SKU_CACHE_SECONDS)
    return hot


def get_category_menu_version() -> str:
    """A token that changes whenever the category menu is forgotten (one Redis GET; a new token is stored only
    when there is none). Templates cache the menu's rendered HTML per process under it (`{% cache %}`)."""
    version = cache.get(CATEGORY_MENU_VERSION_KEY)
    if version is None:
        cache.add(CATEGORY_MENU_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CATEGORY_MENU_VERSION_KEY)
    return version


def forget_category_menu() -> None:
    """Drop the cached category menu (after a category, channel or channel group edit): the next page
    that shows the menu rebuilds it from the database, and every process renders it again."""
    cache.delete_many([CATEGORY_MENU_KEY, CATEGORY_MENU_VERSION_KEY])


def forget_hot_skus(category_id: int | None) -> None:
    """Drop the cached best sellers of a category and of its parents, whose lists cover its SKUs too
    (after an SKU edit in that category). A deleted category only has its own key dropped."""
    if not category_id:
        return
    ids = {category_id}
    parents = GoodsCategory.objects.filter(pk=category_id).values_list("parent_id", "parent__parent_id").first()
    ids.update(pk for pk in parents or () if pk)
    cache.delete_many([HOT_SKUS_KEY.format(category_id=pk) for pk in sorted(ids)])


def get_launched_sku(sku_id: int) -> SKU | None:
    """A launched SKU with its SPU, brand and category path loaded, or None."""
    try:  # get(), not first(): no ORDER BY to build for a primary-key lookup (~0.4 ms of CPU a page)
        return SKU.objects.select_related("spu__brand", "category__parent__parent", "default_image").get(
            pk=sku_id, is_launched=True
        )
    except SKU.DoesNotExist:
        return None


def get_launched_sku_for_page(sku_id: int) -> SKU | None:
    """A launched SKU with its SPU and brand, or None: what the product page reads on every view. Its category
    path and default image are only read when the breadcrumb or the gallery is drawn again (their fragments are
    kept per process), so they are not joined in.

    Plain SQL written once (commerce.sql): compiling the ORM's two-join query cost more CPU than everything
    else on a product page kept in commerce.page_memo (issue 14)."""
    if not 0 < int(sku_id) <= sql.MAX_ID:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_sku_page_sql(connection.vendor), [int(sku_id), True])
        row = cursor.fetchone()
    if row is None:
        return None
    sku, spu, brand = sql.split_row(row, _SKU_PAGE_PARTS)
    spu.brand = brand
    sku.spu = spu
    return sku


_SKU_PAGE_PARTS = ((SKU, "sku"), (SPU, "spu"), (Brand, "brand"))


@functools.cache
def _sku_page_sql(vendor: str) -> str:
    """The product page's SKU + SPU + brand row (the vendor keys the cache: quoting is the backend's)."""
    return (
        f"SELECT {sql.columns(SKU, 'sku')}, {sql.columns(SPU, 'spu')}, {sql.columns(Brand, 'brand')} "  # noqa: S608
        f"FROM {sql.table(SKU)} sku "
        f"INNER JOIN {sql.table(SPU)} spu ON spu.{sql.col(SPU, 'id')} = sku.{sql.col(SKU, 'spu')} "
        f"LEFT OUTER JOIN {sql.table(Brand)} brand ON brand.{sql.col(Brand, 'id')} = spu.{sql.col(SPU, 'brand')} "
        f"WHERE sku.{sql.col(SKU, 'id')} = %s AND sku.{sql.col(SKU, 'is_launched')} = %s"
    )


def list_sku_images(sku: SKU) -> list:
    """The SKU's gallery: its default image first, then its extra images, without duplicates (one query)."""
    images = []
    if sku.default_image_id:
        images.append(sku.default_image)
    seen = {sku.default_image_id}
    for item in sku.images.select_related("image").order_by("sort_order", "id"):
        if item.image_id not in seen:
            seen.add(item.image_id)
            images.append(item.image)
    return images


def list_skus_by_ids(ids: Iterable[int]) -> dict[int, SKU]:
    """Launched SKUs by id (unlaunched or missing ids are left out), with card images prefetched."""
    ids = list(ids)
    if not ids:
        return {}
    return {sku.id: sku for sku in _skus_with_images(SKU.objects.filter(pk__in=ids, is_launched=True), CARD_IMAGE)}


def get_skus_version(ids: Iterable[int]) -> str:
    """A short token that changes when any of these SKUs is saved, launched or taken off the shelf (one light
    query, no model instances): a page caching its rendered SKU cards keys them with it. Stock and sales
    (changed without a save) are not part of it; cards do not show them."""
    rows = SKU.objects.filter(pk__in=list(ids)).order_by("pk").values_list("pk", "updated_at", "is_launched")
    return hashlib.md5(repr(list(rows)).encode(), usedforsecurity=False).hexdigest()


SKU_PAGE_PARTS_SECONDS = 300


def get_sku_page_version(sku: SKU) -> str:
    """A token that changes when anything the product page's gallery, spec switcher or description tabs show
    changes: the SKU's own save (`updated_at`) and its SPU's `updated_at`, which commerce.catalog.signals
    touches whenever an SKU of the SPU, a specification, an option, an SKU's gallery or one of their images is
    saved or deleted. Needs no query: both timestamps come with `get_launched_sku_for_page`."""
    return f"{sku.pk}.{sku.updated_at.timestamp()}.{sku.spu.updated_at.timestamp()}"


def sku_page_rows(sku: SKU) -> tuple:
    """The loaded column values of `sku`, its SPU and brand (from `get_launched_sku_for_page`): part of the
    product page's key in commerce.page_memo, so any change to what the page shows of them is a new page."""
    brand = sku.spu.brand
    return tuple(
        tuple(frozen(value) for name, value in row.__dict__.items() if name[0] != "_")
        for row in (sku, sku.spu, brand)
        if row is not None
    )


def get_sku_page_parts(sku: SKU, version: str) -> tuple[list, list[SpecChoice]]:
    """The gallery (`list_sku_images`) and the spec switcher (`get_spec_switcher`) of a product page, kept per
    process under `version` (get_sku_page_version): no query on a warm process. Bounded to 5 minutes in any
    case, like the page fragments, for an edit that bypasses save()."""
    fragments = caches["template_fragments"]
    key = f"sku-page-parts:{version}"
    parts = fragments.get(key)
    if parts is None:
        parts = (list_sku_images(sku), get_spec_switcher(sku))
        fragments.set(key, parts, SKU_PAGE_PARTS_SECONDS)
    return parts


def touch_spus(spu_ids: Iterable[int], using: str | None = None) -> None:
    """Move the SPUs' `updated_at` on (one UPDATE): their product pages' cached parts and fragments are dropped."""
    ids = sorted({pk for pk in spu_ids if pk is not None})
    if ids:
        SPU.objects.using(using).filter(pk__in=ids).update(updated_at=timezone.now())


@dataclass
class SpecOption:
    id: int
    value: str
    sku_id: int | None
    active: bool

    @property
    def available(self) -> bool:
        return self.sku_id is not None

    @property
    def url(self) -> str:
        return reverse("catalog:sku_detail", args=[self.sku_id]) if self.sku_id else ""


@dataclass
class SpecChoice:
    id: int
    name: str
    options: list[SpecOption] = field(default_factory=list)


def get_spec_switcher(sku: SKU) -> list[SpecChoice]:
    """For each specification of the SKU's SPU, its options; each option points at the launched SKU that has the
    current SKU's options with that one specification changed (None when no such SKU exists: render it disabled).

    One query whatever the number of SKUs or options: every option of the SPU, left-joined to the SKUs that
    use it. A specification without options is left out (there is nothing to choose).
    """
    rows = (
        SpecificationOption.objects.filter(spec__spu_id=sku.spu_id)
        .order_by("spec__sequence", "spec_id", "sort_order", "id")
        .values_list(
            "spec_id", "spec__name", "id", "value", "skuspecification__sku_id", "skuspecification__sku__is_launched"
        )
    )
    specs: dict[int, SpecChoice] = {}
    options: dict[int, SpecOption] = {}
    options_by_sku: dict[int, dict[int, int]] = {}
    for spec_id, spec_name, option_id, value, sku_id, launched in rows:
        choice = specs.get(spec_id)
        if choice is None:
            choice = specs[spec_id] = SpecChoice(id=spec_id, name=spec_name)
        if option_id not in options:
            options[option_id] = SpecOption(id=option_id, value=value, sku_id=None, active=False)
            choice.options.append(options[option_id])
        if sku_id is not None and (launched or sku_id == sku.id):
            options_by_sku.setdefault(sku_id, {})[spec_id] = option_id
    if not specs:
        return []
    spec_ids = list(specs)
    sku_by_key: dict[tuple, int] = {}
    for sku_id, chosen in options_by_sku.items():
        if sku_id != sku.id or sku.is_launched:
            sku_by_key.setdefault(tuple(chosen.get(spec_id) for spec_id in spec_ids), sku_id)

    current_key = [options_by_sku.get(sku.id, {}).get(spec_id) for spec_id in spec_ids]
    for index, choice in enumerate(specs.values()):
        for option in choice.options:
            key = list(current_key)
            key[index] = option.id
            option.active = option.id == current_key[index]
            option.sku_id = sku.id if option.active else sku_by_key.get(tuple(key))
    return list(specs.values())


@dataclass(frozen=True)
class CategoryVisits:
    category_id: int
    name: str
    count: int


def list_category_visits(*, day: date, limit: int = 20) -> list[CategoryVisits]:
    """Detail-page visits per category on `day` (a Beijing date), busiest first (the operators' dashboard)."""
    rows = (
        GoodsVisitCount.objects.filter(date=day, count__gt=0)
        .order_by("-count", "category__name", "category_id")
        .values_list("category_id", "category__name", "count")[:limit]
    )
    return [CategoryVisits(category_id=pk, name=name, count=count) for pk, name, count in rows]


def list_category_visits_between(*, start: date, end: date, limit: int = 20) -> list[CategoryVisits]:
    """Detail-page visits per category summed over the Beijing days `start`..`end` (inclusive), busiest first."""
    rows = (
        GoodsVisitCount.objects.filter(date__gte=start, date__lte=end, count__gt=0)
        .values("category_id", "category__name")
        .annotate(total=Sum("count"))
        .order_by("-total", "category__name", "category_id")
        .values_list("category_id", "category__name", "total")[:limit]
    )
    return [CategoryVisits(category_id=pk, name=name, count=count) for pk, name, count in rows]


def list_low_stock_skus(*, limit: int = 50) -> list[SKU]:
    """Launched SKUs whose stock is at or below their own alert threshold (0 = no alert), emptiest first."""
    from django.db.models import F

    return list(
        SKU.objects.filter(is_launched=True, low_stock_threshold__gt=0, stock__lte=F("low_stock_threshold"))
        .only("id", "name", "stock", "low_stock_threshold")
        .order_by("stock", "id")[:limit]
    )
