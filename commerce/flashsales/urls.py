"""URLs of flash sales, mounted at the site root by config.urls."""

from django.urls import path

from commerce.flashsales import views

app_name = "flashsales"
urlpatterns = [
    path("flash/<int:sale_id>/", views.sale_page, name="sale"),
    path("flash/<int:sale_id>/press/", views.press, name="press"),
    path("flash/<int:sale_id>/ticket/", views.ticket, name="ticket"),
]
