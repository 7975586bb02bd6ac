"""顾客 in the Wagtail admin (SPEC I): search shoppers by mobile or username, one page per shopper (orders,
addresses, points, coupons, comments, last login), deactivate / reactivate, adjust points with a reason.

Entry points only: activation goes through `commerce.accounts.services.set_customer_active` (one UPDATE, so no
email or names need filling), points through `commerce.orders.services.adjust_points` (the ledger records the
reason). Staff and superuser accounts are not listed here: they are managed in Wagtail's own 用户 pages.
Permissions (订单管理员): orders.view_customer to see, orders.manage_customer to change.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.permissions import ModelPermissionPolicy

from commerce.accounts import services as accounts_services
from commerce.accounts.services import set_customer_active
from commerce.errors import CommerceError
from commerce.orders import services
from commerce.orders.models import Comment, PointsLedger, UserCoupon
from commerce.orders.selectors import get_points_balance

logger = logging.getLogger(__name__)

VIEW_CUSTOMER = "orders.view_customer"
MANAGE_CUSTOMER = "orders.manage_customer"
RECENT = 20


def customers():
    """Shoppers only: staff, superusers and staff groups' members are Wagtail's 用户 pages' business."""
    return accounts_services.customers()


class CustomerPermissionPolicy(ModelPermissionPolicy):
    """Seeing customers needs orders.view_customer; nobody adds, edits or deletes users through these pages."""

    def user_has_permission(self, user, action):
        return action in ("view", "inspect") and user.is_active and user.has_perm(VIEW_CUSTOMER)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if not {"view", "inspect"} & set(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True).filter(
            user_permissions__codename="view_customer"
        ) | get_user_model().objects.filter(is_active=True, groups__permissions__codename="view_customer")


class PointsForm(forms.Form):
    delta = forms.IntegerField(label=gettext_lazy("积分变动"), min_value=-1_000_000, max_value=1_000_000)
    note = forms.CharField(label=gettext_lazy("原因"), max_length=100)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("积分变动不能为 0"))
        return delta


class CustomerIndexView(IndexView):
    """Shoppers with their order count; staff accounts are left out."""

    def get_base_queryset(self):
        return customer_queryset()


class CustomerInspectView(InspectView):
    template_name = "orders/admin/customer_inspect.html"

    def get_object(self, queryset=None):
        pk = str(self.pk)
        customer = customers().filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 12 else None
        if customer is None:
            raise Http404(_("顾客不存在"))
        return customer

    def get_fields(self):
        return []

    def get_page_subtitle(self):
        return self.object.username

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.object
        context.update(
            {
                "customer": customer,
                "orders": list(customer.orders.order_by("-created_at")[:RECENT]),
                "order_count": customer.orders.count(),
                "addresses": list(
                    customer.addresses.filter(is_deleted=False).select_related("province", "city", "district")
                ),
                "points_balance": get_points_balance(user_id=customer.pk),
                "points_entries": list(PointsLedger.objects.filter(user=customer).order_by("-created_at", "-id")[:10]),
                "coupons": list(UserCoupon.objects.filter(user=customer).select_related("coupon")),
                "comments": list(Comment.objects.filter(user=customer).order_by("-created_at")[:RECENT]),
                "can_manage": self.request.user.has_perm(MANAGE_CUSTOMER),
                "points_form": PointsForm(),
                "activation_url": reverse("customers_admin:activation", args=[customer.pk]),
                "points_url": reverse("customers_admin:points", args=[customer.pk]),
            }
        )
        return context


def _inspect(pk: int) -> HttpResponse:
    return redirect("customers_admin:inspect", pk)


@require_POST
def set_activation(request: HttpRequest, pk: int) -> HttpResponse:
    """停用 / 启用: POST active=0|1."""
    if not request.user.has_perm(MANAGE_CUSTOMER):
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    try:
        customer = set_customer_active(user_id=pk, active=active)
    except CommerceError as error:
        messages.error(request, error.message)
        return redirect("customers_admin:index")
    logger.info("customer %s set active=%s by operator %s", pk, active, request.user.pk)
    text = _("已启用顾客 %(name)s") if active else _("已停用顾客 %(name)s，其登录已失效")
    messages.success(request, text % {"name": customer.username})
    return _inspect(pk)


@require_POST
def adjust_points(request: HttpRequest, pk: int) -> HttpResponse:
    """调整积分 with a reason, through the points service (the ledger keeps who-why as the note)."""
    if not request.user.has_perm(MANAGE_CUSTOMER):
        raise PermissionDenied
    if not customers().filter(pk=pk).exists():
        messages.error(request, _("顾客不存在"))
        return redirect("customers_admin:index")
    form = PointsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写非零的积分变动和原因"))
        return _inspect(pk)
    note = f"{form.cleaned_data['note'].strip()}（{request.user.get_username()}）"[:100]
    try:
        balance = services.adjust_points(user_id=pk, delta=form.cleaned_data["delta"], note=note)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("积分已调整，当前余额 %(balance)s") % {"balance": balance})
    return _inspect(pk)


def customer_list_display():
    return [
        "username",
        Column("mobile", label=gettext_lazy("手机号"), accessor=lambda u: u.mobile or "-", sort_key="mobile"),
        Column("order_count", label=gettext_lazy("订单数"), accessor="order_count", sort_key="order_count"),
        Column(
            "date_joined",
            label=gettext_lazy("注册时间"),
            accessor=lambda u: u.date_joined.strftime("%Y-%m-%d") if u.date_joined else "-",
            sort_key="date_joined",
        ),
        Column(
            "last_login",
            label=gettext_lazy("最近登录"),
            accessor=lambda u: u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "-",
            sort_key="last_login",
        ),
        Column(
            "is_active",
            label=gettext_lazy("状态"),
            accessor=lambda u: _("正常") if u.is_active else _("已停用"),
            sort_key="is_active",
        ),
    ]


def customer_queryset():
    return customers().annotate(order_count=Count("orders"))


def customer_urls():
    return [
        path("activation/<int:pk>/", set_activation, name="activation"),
        path("points/<int:pk>/", adjust_points, name="points"),
    ]


def no_permissions_to_register():
    return Permission.objects.none()
