"""Catalog reads shared by views, pages and jobs."""

from django.core.cache import cache

from commerce.catalog.models import GoodsCategory, GoodsChannel

CATEGORY_MENU_KEY = "catalog:category-menu"


def get_category_menu() -> list[dict]:
    """Channel groups in order, each with its channels and their second/third-level categories (cached)."""
    menu = cache.get(CATEGORY_MENU_KEY)
    if menu is not None:
        return menu
    groups: dict[int, dict] = {}
    channels = GoodsChannel.objects.select_related("group", "category").order_by("group__sequence", "group_id", "sequence")
    for channel in channels:
        group = groups.setdefault(channel.group_id, {"name": channel.group.name, "channels": [], "subs": []})
        group["channels"].append({"id": channel.category_id, "name": channel.category.name, "url": channel.url})
        for cat2 in GoodsCategory.objects.filter(parent=channel.category).prefetch_related("subs"):
            group["subs"].append(
                {"id": cat2.id, "name": cat2.name, "subs": [{"id": c.id, "name": c.name} for c in cat2.subs.all()]}
            )
    menu = list(groups.values())
    cache.set(CATEGORY_MENU_KEY, menu, 300)
    return menu
