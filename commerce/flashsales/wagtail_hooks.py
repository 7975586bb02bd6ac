"""Flash sales in the Wagtail admin: editors schedule a sale (SKU, sale price, quantity, window, per-shopper
limit); the model's `clean` refuses a window that ends before it starts, a sale price above the SKU's price
and a change of SKU or quantity once the sale started. Sales are never deleted here (entries point at them).
Permissions: flashsales.add/change/view_flashsale."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from commerce.flashsales.models import FlashSale
from commerce.money import format_yuan


class _NoDelete(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


def _time(field: str):
    def accessor(sale) -> str:
        return timezone.localtime(getattr(sale, field)).strftime("%Y-%m-%d %H:%M:%S")

    return accessor


class FlashSaleViewSet(ModelViewSet):
    model = FlashSale
    icon = "time"
    menu_label = _("秒杀活动")
    menu_order = 170
    add_to_admin_menu = True
    name = "flashsales"
    url_prefix = "flash-sales"
    url_namespace = "flashsales_admin"
    add_to_reference_index = False
    copy_view_enabled = False
    search_backend_name = None
    list_per_page = 30
    search_fields = ["name", "sku__name"]
    ordering = ["-starts_at", "-id"]
    list_display = [
        "name",
        Column("sku", label=_("商品SKU"), accessor="sku.name"),
        Column("sale_price", label=_("秒杀价"), accessor=lambda s: format_yuan(s.sale_price), sort_key="sale_price"),
        "quantity",
        "sold",
        Column("starts_at", label=_("开始时间"), accessor=_time("starts_at"), sort_key="starts_at"),
        Column("ends_at", label=_("结束时间"), accessor=_time("ends_at"), sort_key="ends_at"),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
    ]
    list_filter = ["status"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("sku"),
            FieldRowPanel([FieldPanel("sale_price"), FieldPanel("quantity"), FieldPanel("per_user_limit")]),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        ]
    )

    def get_queryset(self, request):
        return FlashSale.objects.select_related("sku")

    @property
    def permission_policy(self):
        return _NoDelete(self.model)


@hooks.register("register_admin_viewset")
def register_flash_sale_viewset():
    return FlashSaleViewSet()
