"""The two staff groups of the Wagtail admin (SPEC I): content editors and order staff.

``ensure_staff_groups()`` is idempotent and additive: it creates missing groups and grants the permissions listed
here, and never takes away a permission an administrator granted by hand. Content editors get no orders or
payments permission: the 订单管理 menu, 运营概况 and 支付记录 stay hidden from them.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

logger = logging.getLogger(__name__)

CONTENT_EDITORS = "内容编辑"
ORDER_STAFF = "订单管理员"

CATALOG_MODELS = (
    "goodscategory", "goodschannelgroup", "goodschannel", "brand", "spu", "spuspecification",
    "specificationoption", "sku", "skuimage", "skuspecification",
)  # fmt: skip

# Model permissions as "app_label.codename".
MODEL_PERMISSIONS: dict[str, list[str]] = {
    CONTENT_EDITORS: [
        "wagtailadmin.access_admin",
        *(f"catalog.{action}_{model}" for model in CATALOG_MODELS for action in ("add", "change", "delete", "view")),
        "catalog.view_goodsvisitcount",
        "cms.change_searchsettings",  # 设置 → 搜索设置: the suggested searches under the search box
    ],
    ORDER_STAFF: [
        "wagtailadmin.access_admin",
        *(f"catalog.view_{model}" for model in CATALOG_MODELS),
        "catalog.view_goodsvisitcount",
        # Orders admin (commerce/orders/wagtail_hooks.py): list and detail, ship, cancel, dashboard, coupons,
        # points ledger; cancelling a paid order refunds it, hence the payments permissions.
        "orders.view_order", "orders.ship_order", "orders.cancel_order", "orders.add_order_note",
        "orders.view_dashboard", "orders.view_customer", "orders.manage_customer",
        "orders.view_comment", "orders.moderate_comment",
        "orders.add_coupon", "orders.change_coupon", "orders.view_coupon", "orders.view_pointsledger",
        "payments.view_payment", "payments.refund_payment",
        "orders.change_freightrule",  # 设置 → 运费规则: the free-shipping threshold and the freight
    ],
}  # fmt: skip
# Page permissions on the root page (so on the whole tree) and image/document permissions on the root collection.
PAGE_PERMISSIONS: dict[str, list[str]] = {
    CONTENT_EDITORS: ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page"],
}
COLLECTION_PERMISSIONS: dict[str, list[str]] = {
    CONTENT_EDITORS: [
        "wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image",
        "wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document",
    ],
    ORDER_STAFF: ["wagtailimages.choose_image"],
}  # fmt: skip


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist as exc:
        raise LookupError(f"权限 {dotted} 不存在：请先运行 migrate") from exc


@transaction.atomic
def ensure_staff_groups() -> dict[str, Group]:
    """Create the staff groups if missing and grant them their permissions; return them by name."""
    groups: dict[str, Group] = {}
    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    for name in (CONTENT_EDITORS, ORDER_STAFF):
        group, created = Group.objects.get_or_create(name=name)
        if created:
            logger.info("created staff group %s", name)
        group.permissions.add(*(_permission(p) for p in MODEL_PERMISSIONS.get(name, [])))
        for dotted in PAGE_PERMISSIONS.get(name, []):
            GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=_permission(dotted))
        for dotted in COLLECTION_PERMISSIONS.get(name, []):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=_permission(dotted)
            )
        groups[name] = group
    return groups
