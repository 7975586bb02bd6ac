"""Template context shared by every page: the category menu (cached in Redis, read at most once per request,
and not at all by templates that do not show it, such as the 404 page), and its version, which keys the
per-process cache of the menu's rendered HTML (`{% cache ... category_menu_version %}` in base.html): a page
whose menu fragment is cached reads only the version, never the menu."""

from collections.abc import Callable

from django.http import HttpRequest

from commerce.catalog.selectors import get_category_menu, get_category_menu_version


def _once(load: Callable):
    loaded: list = []

    def value():
        if not loaded:
            loaded.append(load())
        return loaded[0]

    return value


def navigation(request: HttpRequest) -> dict[str, Callable]:
    return {"category_menu": _once(get_category_menu), "category_menu_version": _once(get_category_menu_version)}
