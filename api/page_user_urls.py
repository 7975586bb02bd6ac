"""URLs of the static pages' per-visitor endpoints (namespace "page_user")."""

from django.urls import path

from api import page_user

app_name = "page_user"
urlpatterns = [
    path("api/me/", page_user.me, name="me"),
    path("api/page-visit/", page_user.page_visit, name="visit"),
]
