from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashSalesConfig(AppConfig):
    name = "commerce.flashsales"
    label = "flashsales"
    verbose_name = _("秒杀")

    def ready(self) -> None:
        from commerce.catalog.sku_page import register_slot_provider
        from commerce.flashsales import signals  # noqa: F401 - connects the receivers
        from commerce.flashsales.services import give_back_flash_units
        from commerce.flashsales.sku_page import product_page_slots
        from commerce.orders.services import register_give_back

        register_give_back(give_back_flash_units)
        register_slot_provider(product_page_slots)  # the sale box on the product page
