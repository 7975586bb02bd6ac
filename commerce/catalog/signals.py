"""Catalog signal receivers. Thin: they translate ORM events into calls to catalog services."""

from __future__ import annotations

from typing import Any

from commerce.catalog.models import SKU
from commerce.catalog.stock import stock_changed


def sku_saved(sender: type[SKU], instance: SKU, created: bool, raw: bool, using: str, **kwargs: Any) -> None:
    """An existing SKU was saved (Wagtail admin, shell, any ORM save): announce its stock after commit.

    New SKUs have no watchers yet, fixture loading (raw) is skipped, and a save limited by `update_fields`
    that leaves out `stock` cannot have changed it.
    """
    update_fields = kwargs.get("update_fields")
    if created or raw or (update_fields is not None and "stock" not in update_fields):
        return
    stock_changed(sku_id=instance.pk, using=using)
