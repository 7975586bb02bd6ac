"""Catalog pages (placeholder entry points; the templates arrive with the pages work)."""

from django.http import HttpRequest, HttpResponse


def category_list(request: HttpRequest, category_id: int) -> HttpResponse:
    raise NotImplementedError


def sku_detail(request: HttpRequest, sku_id: int) -> HttpResponse:
    raise NotImplementedError
