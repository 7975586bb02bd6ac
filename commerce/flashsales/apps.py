from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlashSalesConfig(AppConfig):
    name = "commerce.flashsales"
    label = "flashsales"
    verbose_name = _("秒杀")

    def ready(self) -> None:
        from commerce.flashsales import signals  # noqa: F401 - connects the receivers
        from commerce.flashsales.services import give_back_flash_units
        from commerce.orders.services import register_give_back

        register_give_back(give_back_flash_units)
