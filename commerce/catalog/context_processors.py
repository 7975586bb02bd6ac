"""Template context shared by every page: the category menu (cached in Redis, read at most once per request,
and not at all by templates that do not show it, such as the 404 page)."""

from collections.abc import Callable

from django.http import HttpRequest

from commerce.catalog.selectors import get_category_menu


def navigation(request: HttpRequest) -> dict[str, Callable[[], list[dict]]]:
    loaded: list[list[dict]] = []

    def category_menu() -> list[dict]:
        if not loaded:
            loaded.append(get_category_menu())
        return loaded[0]

    return {"category_menu": category_menu}
