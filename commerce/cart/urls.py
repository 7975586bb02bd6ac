"""URLs of the cart app, mounted at the site root by config.urls."""

from django.urls import path  # noqa: F401

app_name = "cart"
urlpatterns: list = []
