"""Catalog signal receivers. Thin: they translate ORM events into calls to catalog services.

`sku_saved` is connected in CatalogConfig.ready. The cache receivers below connect themselves with
@receiver when ready() imports this module: after an edit commits (nothing on rollback) they drop the
cached category menu (category, channel, channel group saved or deleted) or the cached best sellers of an
SKU's category and its parents (SKU created, edited, moved or deleted), so the next request shows the edit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.images import get_image_model

from commerce.catalog.models import (
    SKU,
    SPU,
    GoodsCategory,
    GoodsChannel,
    GoodsChannelGroup,
    SKUImage,
    SKUSpecification,
    SpecificationOption,
    SPUSpecification,
)
from commerce.catalog.selectors import forget_category_menu, forget_hot_skus, touch_spus
from commerce.catalog.stock import stock_changed

#: SKU fields a best-seller entry shows or is ranked and filtered by; a save limited to other fields
#: (stock, comments) leaves the cached lists alone.
HOT_SKU_FIELDS = frozenset({"name", "price", "sales", "is_launched", "default_image", "category"})


def sku_saved(sender: type[SKU], instance: SKU, created: bool, raw: bool, using: str, **kwargs: Any) -> None:
    """An existing SKU was saved (Wagtail admin, shell, any ORM save): announce its stock after commit.

    New SKUs have no watchers yet, fixture loading (raw) is skipped, and a save limited by `update_fields`
    that leaves out `stock` cannot have changed it.
    """
    update_fields = kwargs.get("update_fields")
    if created or raw or (update_fields is not None and "stock" not in update_fields):
        return
    stock_changed(sku_id=instance.pk, using=using)


# --- Cached menu and best sellers -------------------------------------------------------------------------


def _after_commit(func, using: str) -> None:
    # robust: a cache outage must not turn an editor's committed save into an error page.
    transaction.on_commit(func, using=using, robust=True)


def _touches_hot_skus(update_fields) -> bool:
    return update_fields is None or not HOT_SKU_FIELDS.isdisjoint(update_fields)


@receiver(post_save, sender=GoodsCategory, dispatch_uid="catalog.menu.category_saved")
@receiver(post_delete, sender=GoodsCategory, dispatch_uid="catalog.menu.category_deleted")
@receiver(post_save, sender=GoodsChannel, dispatch_uid="catalog.menu.channel_saved")
@receiver(post_delete, sender=GoodsChannel, dispatch_uid="catalog.menu.channel_deleted")
@receiver(post_save, sender=GoodsChannelGroup, dispatch_uid="catalog.menu.group_saved")
@receiver(post_delete, sender=GoodsChannelGroup, dispatch_uid="catalog.menu.group_deleted")
def navigation_changed(sender: type, instance: Any, using: str, raw: bool = False, **kwargs: Any) -> None:
    """The category menu shows names, nesting and order of all three: rebuild it on the next request."""
    if not raw:
        _after_commit(forget_category_menu, using)


@receiver(pre_save, sender=SKU, dispatch_uid="catalog.hot_skus.sku_moving")
def sku_moving(sender: type[SKU], instance: SKU, raw: bool, using: str, update_fields=None, **kwargs: Any) -> None:
    """Remember the category an existing SKU is saved from, so a move also refreshes the old lists."""
    if raw or instance.pk is None or (update_fields is not None and "category" not in update_fields):
        return
    instance._hot_skus_old_category_id = (
        SKU.objects.using(using).filter(pk=instance.pk).values_list("category_id", flat=True).first()
    )


@receiver(post_save, sender=SKU, dispatch_uid="catalog.hot_skus.sku_saved")
def sku_hot_fields_saved(
    sender: type[SKU], instance: SKU, raw: bool, using: str, update_fields=None, **kwargs: Any
) -> None:
    """Price, name, launch flag, image, sales or category may have changed: drop the lists showing it."""
    if raw or not _touches_hot_skus(update_fields):
        return
    old_category_id = vars(instance).pop("_hot_skus_old_category_id", None)
    for category_id in sorted({instance.category_id, old_category_id} - {None}):
        _after_commit(partial(forget_hot_skus, category_id), using)


@receiver(post_delete, sender=SKU, dispatch_uid="catalog.hot_skus.sku_deleted")
def sku_deleted(sender: type[SKU], instance: SKU, using: str, **kwargs: Any) -> None:
    _after_commit(partial(forget_hot_skus, instance.category_id), using)


# --- Product page parts (gallery, spec switcher, description tabs) ----------------------------------------------

#: SKU fields a sibling's product page shows (the spec switcher links launched SKUs); a save limited to other
#: fields (stock, sales, comments) leaves the SPU's pages alone. The SKU's own page keys on its `updated_at`.
SKU_PAGE_FIELDS = frozenset({"is_launched", "spu", "default_image", "name"})


@receiver(post_save, sender=SKU, dispatch_uid="catalog.sku_page.sku_saved")
@receiver(post_delete, sender=SKU, dispatch_uid="catalog.sku_page.sku_deleted")
def sku_page_sku_changed(sender: type, instance: SKU, using: str, raw: bool = False, **kwargs: Any) -> None:
    """A launched sibling appears or goes: the spec switcher of every SKU of the SPU changes."""
    update_fields = kwargs.get("update_fields")
    if raw or (update_fields is not None and SKU_PAGE_FIELDS.isdisjoint(update_fields)):
        return
    touch_spus([instance.spu_id], using)


@receiver(post_save, sender=SKUImage, dispatch_uid="catalog.sku_page.image_saved")
@receiver(post_delete, sender=SKUImage, dispatch_uid="catalog.sku_page.image_deleted")
@receiver(post_save, sender=SKUSpecification, dispatch_uid="catalog.sku_page.sku_spec_saved")
@receiver(post_delete, sender=SKUSpecification, dispatch_uid="catalog.sku_page.sku_spec_deleted")
def sku_page_sku_part_changed(sender: type, instance: Any, using: str, raw: bool = False, **kwargs: Any) -> None:
    """An SKU's gallery or its options changed (the SKU admin's inline rows, saved after the SKU)."""
    if not raw:
        spu_id = SKU.objects.using(using).filter(pk=instance.sku_id).values_list("spu_id", flat=True).first()
        touch_spus([spu_id], using)


@receiver(post_save, sender=SPUSpecification, dispatch_uid="catalog.sku_page.spec_saved")
@receiver(post_delete, sender=SPUSpecification, dispatch_uid="catalog.sku_page.spec_deleted")
def sku_page_spec_changed(sender: type, instance: SPUSpecification, using: str, raw: bool = False, **kwargs) -> None:
    if not raw:
        touch_spus([instance.spu_id], using)


@receiver(post_save, sender=SpecificationOption, dispatch_uid="catalog.sku_page.option_saved")
@receiver(post_delete, sender=SpecificationOption, dispatch_uid="catalog.sku_page.option_deleted")
def sku_page_option_changed(sender: type, instance: Any, using: str, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        spu_id = SPUSpecification.objects.using(using).filter(pk=instance.spec_id).values_list("spu_id", flat=True)
        touch_spus(spu_id, using)


def image_changed(sender: type, instance: Any, using: str, raw: bool = False, **kwargs: Any) -> None:
    """An image was edited (file, focal point, title): the pages of the SKUs showing it render it afresh."""
    if raw or instance.pk is None:
        return
    used = Q(skus__default_image_id=instance.pk) | Q(skus__images__image_id=instance.pk)
    touch_spus(SPU.objects.using(using).filter(used).values_list("pk", flat=True), using)


post_save.connect(image_changed, sender=get_image_model(), dispatch_uid="catalog.sku_page.wagtail_image_saved")
