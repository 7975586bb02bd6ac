"""The shopping cart: a signed JSON cookie for anonymous shoppers, a Redis hash and selection set for
logged-in users, merged at login (SPEC D1-D4)."""

from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "commerce.cart"
    label = "cart"

    def ready(self) -> None:
        from commerce.cart import signals  # noqa: F401  (connects the login merge receiver)
