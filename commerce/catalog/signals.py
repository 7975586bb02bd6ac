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
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from commerce.catalog.models import SKU, GoodsCategory, GoodsChannel, GoodsChannelGroup
from commerce.catalog.selectors import forget_category_menu, forget_hot_skus
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
