"""URLs of the accounts app, mounted at the site root by config.urls."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns: list = []
