"""Catalog app config: connects the signal receivers (commerce.catalog.signals) once apps are ready."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "commerce.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from commerce.catalog import signals
        from commerce.catalog.models import SKU
        from commerce.catalog.selectors import get_category_menu_version
        from commerce.page_memo import register_page_input

        post_save.connect(signals.sku_saved, sender=SKU, dispatch_uid="catalog.sku_saved.stock_changed")
        register_page_input(get_category_menu_version)  # every page's menu (commerce.page_memo)
