"""Template context shared by every page: the category menu (cached)."""

from django.http import HttpRequest

from commerce.catalog.selectors import get_category_menu


def navigation(request: HttpRequest) -> dict:
    return {"category_menu": get_category_menu}
