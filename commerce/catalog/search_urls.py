"""Search URL: /search/ (name "search:search")."""

from django.urls import path

from commerce.catalog import search_views

app_name = "search"
urlpatterns = [path("search/", search_views.search, name="search")]
