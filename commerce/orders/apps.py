from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "commerce.orders"
    label = "orders"

    def ready(self) -> None:
        from commerce.orders import signals  # noqa: F401 - connects the receivers
