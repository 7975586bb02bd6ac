"""Wagtail admin wiring for payments: the "支付记录" menu item and its pages (commerce.payments.admin_views), and
the payment panel and paid-order cancel on the orders admin's order page (commerce.payments.order_admin)."""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from commerce.payments import admin_refunds, admin_views, order_admin, reports


class PaymentsMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_view(request.user)


@hooks.register("register_admin_urls")
def register_payment_admin_urls():
    urls = [
        path("", admin_views.payment_index, name="index"),
        path("<int:payment_id>/refund/", admin_views.payment_refund, name="refund"),
        path("refunds/<int:refund_id>/retry/", admin_views.refund_retry, name="refund_retry"),
        path("orders/<str:order_id>/partial-refund/", admin_refunds.partial_refund, name="partial_refund"),
    ]
    return [path("payments/", include((urls, "payments_admin")))]


@hooks.register("register_admin_menu_item")
def register_payments_menu_item():
    return PaymentsMenuItem(_("支付记录"), reverse("payments_admin:index"), icon_name="table", order=420)


# Hook names declared by commerce.orders.admin.views (ORDER_PANELS_HOOK, ORDER_CANCEL_HOOK) and
# commerce.orders.admin.reports (REFUNDS_HOOK).
hooks.register("orders_admin_order_panels", order_admin.order_payments_panel)
hooks.register("orders_admin_cancel_order", order_admin.cancel_paid_order)
hooks.register("orders_dashboard_refunds", reports.refunds_per_day)
