"""The order pages of the Wagtail admin (SPEC I): detail, ship, bulk ship, packing slip, note, cancel.

Entry points only: every change goes through `commerce.orders.services` (ship, cancel, note) and the state
machine; a refused change shows its Chinese message and changes nothing. Orders are read-only here: no add, edit
or delete view exists, for superusers neither.

Payments plug into the order pages through two Wagtail hooks, so orders never imports payments (the arrow is
orders -> payments, see ARCHITECTURE.md):

- ``ORDER_PANELS_HOOK``: ``fn(order) -> Component | None``; each component is shown on the order's detail page
  (payments shows its payment and refund records).
- ``ORDER_CANCEL_HOOK``: ``fn(*, request, order, reason) -> str | None``; asked first when an operator cancels
  an order. A function that takes the order over (payments: a paid Alipay order, cancelled and refunded by
  ``refund_order``) returns the success message or raises a ``CommerceError``; ``None`` means "not mine".
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import InspectView

from commerce.errors import CommerceError
from commerce.orders import dashboard, services
from commerce.orders.admin.forms import CancelForm, NoteForm, ShipForm
from commerce.orders.admin.policies import CANCEL_PERMISSION, NOTE_PERMISSION, SHIP_PERMISSION, VIEW_PERMISSION
from commerce.orders.errors import InvalidOrderNote, OrderErrorCode, OrderNotFound
from commerce.orders.models import Carrier, Order, OrderStatus, PayMethod, UserCoupon
from commerce.orders.states import shopper_cancellable_from

logger = logging.getLogger(__name__)

ORDER_PANELS_HOOK = "orders_admin_order_panels"
ORDER_CANCEL_HOOK = "orders_admin_cancel_order"
BULK_SHIP_LIMIT = 100


def extra_order_panels(order: Order) -> list[Component]:
    """Components other apps contribute to the order's detail page (``ORDER_PANELS_HOOK``)."""
    panels = []
    for fn in hooks.get_hooks(ORDER_PANELS_HOOK):
        panel = fn(order)
        if panel is not None:
            panels.append(panel)
    return panels


def _ship_allowed(order: Order) -> bool:
    return order.status == OrderStatus.TO_SHIP


def _cancel_allowed(order: Order) -> bool:
    return order.status in (OrderStatus.UNPAID, OrderStatus.TO_SHIP)


class OrderInspectView(InspectView):
    """Everything about one order on one page, with the ship and cancel buttons the operator may use."""

    template_name = "orders/admin/order_inspect.html"

    def get_object(self, queryset=None):
        order = Order.objects.select_related("user").filter(pk=str(self.pk)[:40]).first()
        if order is None:
            raise Http404(_("订单不存在"))
        return order

    def get_fields(self):
        return []

    def get_page_subtitle(self):
        return self.object.order_id

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        user = self.request.user
        context.update(
            {
                "order": order,
                "lines": list(order.lines.select_related("sku").order_by("id")),
                "coupon_uses": list(UserCoupon.objects.filter(used_order=order).select_related("coupon")),
                "points_entries": list(order.points_entries.order_by("created_at", "id")),
                "extra_panels": extra_order_panels(order),
                "can_ship": _ship_allowed(order) and user.has_perm(SHIP_PERMISSION),
                "ship_form": ShipForm(),
                "events": list(order.events.select_related("actor").order_by("created_at", "id")),
                "can_note": user.has_perm(NOTE_PERMISSION),
                "note_form": NoteForm(),
                "note_url": reverse("orders_admin:note", args=[order.order_id]),
                "packing_slip_url": reverse("orders_admin:packing_slip", args=[order.order_id]),
                "can_cancel": _cancel_allowed(order) and user.has_perm(CANCEL_PERMISSION),
                "ship_url": reverse("orders_admin:ship", args=[order.order_id]),
                "cancel_url": reverse("orders_admin:cancel", args=[order.order_id]),
                "OrderStatus": OrderStatus,
            }
        )
        return context


def _inspect_url(order_id: str) -> str:
    return reverse("orders_admin:inspect", args=[order_id])


def _index_or_inspect(order_id: str) -> HttpResponse:
    if Order.objects.filter(pk=order_id[:40]).exists():
        return redirect(_inspect_url(order_id))
    return redirect("orders_admin:index")


@require_POST
def ship_order(request: HttpRequest, pk: str) -> HttpResponse:
    """发货 with a carrier and tracking number: TO_SHIP -> TO_RECEIVE through the orders service; a refused move
    (bad tracking number, wrong state) shows its message and changes nothing."""
    if not request.user.has_perm(SHIP_PERMISSION):
        raise PermissionDenied
    form = ShipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择快递公司并填写运单号"))
        return _index_or_inspect(pk)
    try:
        order = services.ship_order(order_id=pk, actor=request.user, **form.cleaned_data)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        logger.info("order %s shipped by operator %s", order.pk, request.user.pk)
        messages.success(request, _("订单 %(order_id)s 已发货") % {"order_id": order.order_id})
    return _index_or_inspect(pk)


def bulk_ship(request: HttpRequest) -> HttpResponse:
    """批量发货: the orders waiting to be shipped (oldest first), each with a carrier and tracking number; the
    checked rows are shipped one by one through the orders service, and each refusal is reported by order."""
    if not request.user.has_perm(SHIP_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        shipped, failed = [], []
        for order_id in request.POST.getlist("order")[:BULK_SHIP_LIMIT]:
            order_id = order_id[:40]
            try:
                services.ship_order(
                    order_id=order_id,
                    carrier=request.POST.get(f"carrier-{order_id}", ""),
                    tracking_no=request.POST.get(f"tracking-{order_id}", ""),
                    actor=request.user,
                )
            except CommerceError as error:
                failed.append(f"{order_id}：{error.message}")
            else:
                shipped.append(order_id)
        if shipped:
            messages.success(request, _("已发货 %(count)s 单") % {"count": len(shipped)})
        for line in failed:
            messages.error(request, line)
        if not shipped and not failed:
            messages.warning(request, _("请勾选要发货的订单"))
        return redirect("orders_admin:bulk_ship")
    orders = list(Order.objects.filter(status=OrderStatus.TO_SHIP).order_by("created_at")[:BULK_SHIP_LIMIT])
    return TemplateResponse(
        request,
        "orders/admin/bulk_ship.html",
        {"orders": orders, "carriers": Carrier.choices, "page_title": _("批量发货"), "limit": BULK_SHIP_LIMIT},
    )


def packing_slip(request: HttpRequest, pk: str) -> HttpResponse:
    """A printable packing slip (配货单): receiver, address and the lines to pack, without prices."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    order = Order.objects.filter(pk=pk[:40]).first()
    if order is None:
        raise Http404(_("订单不存在"))
    return TemplateResponse(
        request,
        "orders/admin/packing_slip.html",
        {
            "order": order,
            "lines": list(order.lines.order_by("id")),
            "printed_at": timezone.localtime(timezone.now(), dashboard.BEIJING),
        },
    )


@require_POST
def add_note(request: HttpRequest, pk: str) -> HttpResponse:
    """An operator's note on the order's timeline."""
    if not request.user.has_perm(NOTE_PERMISSION):
        raise PermissionDenied
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidOrderNote()
        services.add_order_note(order_id=pk, text=form.cleaned_data["text"], actor=request.user)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("备注已添加"))
    return _index_or_inspect(pk)


def cancel_order(request: HttpRequest, pk: str) -> HttpResponse:
    """取消订单: confirm (GET), then cancel (POST). A paid order is taken over by the cancel hook (payments
    refunds it through ``refund_order``); an unpaid or cash-on-delivery order is cancelled by the orders
    service, which gives back stock, coupon and points once."""
    if not request.user.has_perm(CANCEL_PERMISSION):
        raise PermissionDenied
    order = Order.objects.filter(pk=pk[:40]).first()
    if order is None:
        messages.error(request, OrderNotFound.default_message)
        return redirect("orders_admin:index")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].strip() or _("运营取消订单")
        try:
            message = _cancel(request, order, reason)
        except CommerceError as error:
            messages.error(request, error.message)
        else:
            logger.info("order %s cancelled by operator %s", order.pk, request.user.pk)
            messages.success(request, message)
        return redirect(_inspect_url(order.order_id))
    paid_online = order.pay_method == PayMethod.ALIPAY and order.status != OrderStatus.UNPAID
    return TemplateResponse(
        request,
        "orders/admin/cancel_confirm.html",
        {
            "order": order,
            "form": form,
            "paid_online": paid_online,
            "allowed": _cancel_allowed(order),
            "page_title": _("取消订单"),
        },
    )


def _cancel(request: HttpRequest, order: Order, reason: str) -> str:
    for fn in hooks.get_hooks(ORDER_CANCEL_HOOK):
        message = fn(request=request, order=order, reason=reason)
        if message:
            return message
    if order.pay_method == PayMethod.ALIPAY and order.status == OrderStatus.TO_SHIP:
        # Paid online, but nobody took the refund over: never cancel it without giving the money back.
        raise CommerceError(
            _("该订单已在线支付，但没有找到可退款的支付记录，不能取消"), code=OrderErrorCode.REFUND_UNAVAILABLE
        )
    services.cancel_order(
        order_id=order.order_id, reason=reason, allowed_from=shopper_cancellable_from(order), actor=request.user
    )
    return _("订单 %(order_id)s 已取消，库存、优惠券和积分已退回") % {"order_id": order.order_id}
