"""Orders in the Wagtail admin (SPEC I): the "订单管理" menu (orders, coupons, points ledger) and "运营概况".

- 订单: read-only listing (search, filters) and detail page; 发货 and 取消订单 are POST views calling the orders
  services (`commerce/orders/admin/views.py`). No add, edit, copy or delete view is registered, so amounts and
  lines cannot be changed here by anyone.
- 优惠券: create and edit full-reduction coupons (never delete them: switch them off).
- 积分记录: the points ledger, read-only.
- 运营概况: the dashboard, plus a summary panel on the admin home.
Permissions (given to the 订单管理员 group by cms/management/staff_groups.py): orders.view_order,
orders.ship_order, orders.cancel_order, orders.add_order_note, orders.view_dashboard, orders.add/change/view_coupon,
orders.view_pointsledger.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from commerce.money import format_yuan
from commerce.orders.admin import comments as comment_admin
from commerce.orders.admin import customers as customer_admin
from commerce.orders.admin import filters, forms, policies, reports, views
from commerce.orders.dashboard import BEIJING
from commerce.orders.models import Comment, Coupon, Order, PointsLedger


def _money(field: str):
    def accessor(instance) -> str:
        return format_yuan(getattr(instance, field))

    return accessor


def _time(field: str):
    """Exact Beijing time (operators compare times; Wagtail's DateColumn shows "3 hours ago")."""

    def accessor(instance) -> str:
        value = getattr(instance, field)
        return timezone.localtime(value, BEIJING).strftime("%Y-%m-%d %H:%M") if value else "-"

    return accessor


class ReadOnlyViewSet(ModelViewSet):
    """A listing (and optionally a detail page) without any add, edit, copy or delete view."""

    add_to_reference_index = False
    copy_view_enabled = False
    search_backend_name = None  # database icontains: works for Chinese text and digits
    list_per_page = 30

    @property
    def permission_policy(self):
        return policies.ReadOnlyPermissionPolicy(self.model)

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self):
        patterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]
        if self.inspect_view_enabled:
            patterns.append(path("inspect/<str:pk>/", self.inspect_view, name="inspect"))
        return patterns

    def register_admin_url_finder(self):
        """No edit view to point at."""

    def get_permissions_to_register(self):
        content_type = ContentType.objects.get_for_model(self.model)
        return Permission.objects.filter(content_type=content_type).exclude(
            codename__in=[f"{action}_{self.model_name}" for action in ("add", "change", "delete")]
        )


class OrderIndexView(IndexView):
    """The order list, with a 批量发货 button for those who may ship."""

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(policies.SHIP_PERMISSION):
            buttons.append(
                HeaderButton(_("批量发货"), url=reverse("orders_admin:bulk_ship"), icon_name="upload", icon_only=False)
            )
        return buttons


class OrderViewSet(ReadOnlyViewSet):
    model = Order
    icon = "list-ul"
    menu_label = _("订单")
    name = "orders"
    url_prefix = "orders"
    url_namespace = "orders_admin"
    inspect_view_enabled = True
    inspect_view_class = views.OrderInspectView
    index_view_class = OrderIndexView
    list_display = [
        "order_id",
        Column("user", label=_("下单用户"), accessor="user.username", sort_key="user__username"),
        Column("pay_amount", label=_("实付金额"), accessor=_money("pay_amount"), sort_key="pay_amount"),
        Column("status", label=_("订单状态"), accessor="get_status_display", sort_key="status"),
        Column("pay_method", label=_("支付方式"), accessor="get_pay_method_display", sort_key="pay_method"),
        Column("created_at", label=_("下单时间"), accessor=_time("created_at"), sort_key="created_at"),
    ]
    filterset_class = filters.OrderFilterSet
    search_fields = ["order_id", "receiver", "mobile", "user__username"]
    ordering = ["-created_at", "-order_id"]
    list_export = [
        "order_id",
        "user",
        "receiver",
        "mobile",
        "pay_amount",
        "status",
        "pay_method",
        "created_at",
        "carrier",
        "tracking_no",
    ]

    def get_queryset(self, request):
        return Order.objects.select_related("user")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("ship/<str:pk>/", views.ship_order, name="ship"),
            path("cancel/<str:pk>/", views.cancel_order, name="cancel"),
            path("bulk-ship/", views.bulk_ship, name="bulk_ship"),
            path("packing-slip/<str:pk>/", views.packing_slip, name="packing_slip"),
            path("note/<str:pk>/", views.add_note, name="note"),
        ]


class CouponViewSet(ModelViewSet):
    model = Coupon
    icon = "tag"
    menu_label = _("优惠券")
    name = "coupons"
    url_prefix = "coupons"
    url_namespace = "coupons_admin"
    add_to_reference_index = False
    copy_view_enabled = False
    search_backend_name = None
    list_per_page = 30
    list_display = [
        "name",
        Column("threshold", label=_("满（元）"), accessor=_money("threshold"), sort_key="threshold"),
        Column("discount", label=_("减（元）"), accessor=_money("discount"), sort_key="discount"),
        Column("valid_from", label=_("生效时间"), accessor=_time("valid_from"), sort_key="valid_from"),
        Column("valid_until", label=_("失效时间"), accessor=_time("valid_until"), sort_key="valid_until"),
        "total",
        "issued",
        Column("remaining", label=_("剩余"), accessor="remaining"),
        Column(
            "is_active",
            label=_("状态"),
            accessor=lambda c: _("启用") if c.is_active else _("停用"),
            sort_key="is_active",
        ),
    ]
    filterset_class = filters.CouponFilterSet
    search_fields = ["name"]
    ordering = ["-created_at", "-id"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("threshold"), FieldPanel("discount")]),
            FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
            FieldPanel("total"),
            FieldPanel("is_active"),
        ],
        base_form_class=forms.CouponAdminForm,
    )

    @property
    def permission_policy(self):
        return policies.NoDeletePermissionPolicy(self.model)


class PointsLedgerViewSet(ReadOnlyViewSet):
    model = PointsLedger
    icon = "list-ol"
    menu_label = _("积分记录")
    name = "points"
    url_prefix = "points-ledger"
    url_namespace = "points_ledger_admin"
    list_display = [
        Column("user", label=_("用户"), accessor="user.username", sort_key="user__username"),
        Column("delta", label=_("积分变动"), accessor=lambda entry: f"{entry.delta:+d}", sort_key="delta"),
        Column("reason", label=_("原因"), accessor="get_reason_display", sort_key="reason"),
        "balance_after",
        Column("order", label=_("订单"), accessor=lambda entry: entry.order_id or "-"),
        "note",
        Column("created_at", label=_("时间"), accessor=_time("created_at"), sort_key="created_at"),
    ]
    filterset_class = filters.PointsLedgerFilterSet
    search_fields = ["user__username", "order__order_id", "note"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return PointsLedger.objects.select_related("user")


class CustomerViewSet(ReadOnlyViewSet):
    """顾客: shoppers, searched by mobile or username; one page each (commerce/orders/admin/customers.py)."""

    model = get_user_model()
    icon = "user"
    menu_label = _("顾客")
    name = "customers"
    url_prefix = "customers"
    url_namespace = "customers_admin"
    inspect_view_enabled = True
    inspect_view_class = customer_admin.CustomerInspectView
    index_view_class = customer_admin.CustomerIndexView
    search_fields = ["mobile", "username"]
    ordering = ["-date_joined", "-id"]

    @property
    def list_display(self):
        return customer_admin.customer_list_display()

    @property
    def permission_policy(self):
        return customer_admin.CustomerPermissionPolicy(self.model)

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *customer_admin.customer_urls()]

    def get_permissions_to_register(self):
        return customer_admin.no_permissions_to_register()


class CommentViewSet(ReadOnlyViewSet):
    """商品评价: shoppers' comments; hide and reply on each one's page (commerce/orders/admin/comments.py)."""

    model = Comment
    icon = "comment"
    menu_label = _("商品评价")
    name = "comments"
    url_prefix = "comments"
    url_namespace = "comments_admin"
    inspect_view_enabled = True
    inspect_view_class = comment_admin.CommentInspectView
    list_display = [
        Column("content", label=_("评价内容"), accessor=lambda c: c.content[:40]),
        Column("sku", label=_("商品"), accessor="order_line.sku_name"),
        Column("user", label=_("评价用户"), accessor="user.username", sort_key="user__username"),
        Column("score", label=_("评分"), accessor="score", sort_key="score"),
        Column(
            "is_hidden",
            label=_("状态"),
            accessor=lambda c: _("已隐藏") if c.is_hidden else _("显示中"),
            sort_key="is_hidden",
        ),
        Column("reply", label=_("商家回复"), accessor=lambda c: _("已回复") if c.reply else "-"),
        Column("created_at", label=_("评价时间"), accessor=_time("created_at"), sort_key="created_at"),
    ]
    filterset_class = comment_admin.CommentFilterSet
    search_fields = ["content", "user__username", "order_line__sku_name"]
    ordering = ["-created_at", "-id"]

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *comment_admin.comment_urls()]


class OrdersViewSetGroup(ModelViewSetGroup):
    menu_label = _("订单管理")
    menu_icon = "list-ul"
    menu_name = "orders"
    menu_order = 160
    items = (OrderViewSet, CustomerViewSet, CommentViewSet, CouponViewSet, PointsLedgerViewSet)


@hooks.register("register_admin_viewset")
def register_orders_viewsets():
    return OrdersViewSetGroup()


class DashboardMenuItem(MenuItem):
    def is_shown(self, request):
        return policies.can_view_dashboard(request.user)


@hooks.register("register_admin_urls")
def register_dashboard_url():
    return [
        path("dashboard/", reports.dashboard_view, name="orders_dashboard"),
        path("dashboard/export/", reports.dashboard_export, name="orders_dashboard_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return DashboardMenuItem(_("运营概况"), reverse("orders_dashboard"), icon_name="table", order=140)


@hooks.register("construct_homepage_panels")
def add_dashboard_summary(request, panels):
    if policies.can_view_dashboard(request.user):
        panels.append(reports.DashboardSummaryPanel())
