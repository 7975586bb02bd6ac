"""URLs of the cart app, mounted at the site root by config.urls."""

from django.urls import path

from commerce.cart import views

app_name = "cart"
urlpatterns = [
    path("cart/", views.cart_page, name="list"),
    path("cart/lines/", views.lines, name="lines"),
    path("cart/count/", views.count, name="count"),
    path("cart/add/", views.add, name="add"),
    path("cart/update/", views.update, name="update"),
    path("cart/select/", views.select, name="select"),
    path("cart/select-all/", views.select_all, name="select_all"),
    path("cart/delete/", views.delete, name="delete"),
]
