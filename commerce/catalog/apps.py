"""Catalog app config: connects the signal receivers (commerce.catalog.signals) once apps are ready."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "commerce.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from commerce.catalog import signals
        from commerce.catalog.models import SKU

        post_save.connect(signals.sku_saved, sender=SKU, dispatch_uid="catalog.sku_saved.stock_changed")
