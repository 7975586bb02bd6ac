from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "commerce.orders"
    label = "orders"

    def ready(self) -> None:
        from commerce.catalog.sku_page import register_slot_provider
        from commerce.orders import signals  # noqa: F401 - connects the receivers
        from commerce.orders.sku_page import product_page_slots

        register_slot_provider(product_page_slots)  # the product page's comments and freight claim
