"""Catalog URLs: category list and SKU detail."""

from django.urls import path

from commerce.catalog import views

app_name = "catalog"
urlpatterns = [
    path("list/<int:category_id>/", views.category_list, name="category"),
    path("goods/<int:sku_id>/", views.sku_detail, name="sku_detail"),
]
