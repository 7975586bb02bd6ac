"""Checkout preview and order placement with the one-time token (SPEC E1-E3), my orders, cancel, receive,
and the Alipay cashier URL (F1) from the same gateway the site uses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.schema import errors
from api.serializers import (
    CheckoutSerializer,
    CouponSerializer,
    MyCouponSerializer,
    OrderSerializer,
    OrderStatusSerializer,
    PayUrlSerializer,
    PlaceOrderSerializer,
    PointsEntrySerializer,
)
from api.views.base import UserView, body, clean_form
from commerce.orders import selectors, services, tokens
from commerce.orders.forms import OrderFilterForm, PlaceOrderForm, QuoteForm
from commerce.orders.models import OrderStatus
from commerce.payments import services as payment_services


class CheckoutView(UserView):
    @extend_schema(
        parameters=[
            OpenApiParameter("coupon", description='"" = best coupon, "none" = no coupon, or a claimed coupon id'),
            OpenApiParameter("points", int, description="points to spend (lowered to the most allowed)"),
        ],
        responses={200: CheckoutSerializer, **errors(400, 404, 409)},
        tags=["orders"],
    )
    def get(self, request):
        """The selected cart lines priced on the server, addresses, usable coupons, amounts and a fresh one-time
        order token. Ask again with other `coupon` / `points` to re-quote (each call hands out a new token)."""
        form = QuoteForm(request.query_params)
        clean_form(form)
        auto_coupon, coupon_id = form.coupon_choice()
        checkout = selectors.build_checkout(
            user=request.user, coupon_id=coupon_id, auto_coupon=auto_coupon, points=form.cleaned_data.get("points") or 0
        )
        data = {
            "addresses": checkout.addresses,
            "lines": checkout.quote.lines,
            "quote": checkout.quote.as_dict(),
            "coupons": checkout.coupons,
            "pay_methods": [{"value": value, "label": label} for value, label in checkout.pay_methods],
            "token": tokens.issue_token(user_id=request.user.pk),
        }
        context = {"default_address_id": request.user.default_address_id}
        return Response(CheckoutSerializer(data, context=context).data)


class OrderListView(UserView, GenericAPIView):
    serializer_class = OrderSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=list(OrderStatus.values), required=False)],
        responses={200: OrderSerializer(many=True)},
        tags=["orders"],
    )
    def get(self, request):
        """The shopper's orders, newest first, optionally of one status."""
        form = OrderFilterForm(request.query_params)
        status_filter = form.cleaned_data.get("status") if form.is_valid() else ""
        page = self.paginate_queryset(selectors.list_orders(user=request.user, status=status_filter or None))
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=PlaceOrderSerializer,
        responses={201: OrderSerializer, **errors(400, 404, 409)},
        tags=["orders"],
    )
    def post(self, request):
        """Turn the selected cart lines into an order, once per checkout token (a repeat with the same token
        answers the same order). `expected_total` (the previewed pay amount) makes a changed price a 409."""
        data = clean_form(PlaceOrderForm(body(request)))
        order = services.place_order(user=request.user, **PlaceOrderForm.placement(data))
        order = selectors.get_order_for_user(user=request.user, order_id=order.order_id)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(UserView):
    @extend_schema(responses={200: OrderSerializer, **errors(404)}, tags=["orders"])
    def get(self, request, order_id: str):
        return Response(OrderSerializer(selectors.get_order_for_user(user=request.user, order_id=order_id)).data)


class OrderCancelView(UserView):
    @extend_schema(request=None, responses={200: OrderStatusSerializer, **errors(404, 409)}, tags=["orders"])
    def post(self, request, order_id: str):
        """Cancel an unpaid (or not yet shipped cash-on-delivery) order: stock, coupon and points go back."""
        order = services.cancel_order(order_id=order_id, user=request.user, reason="用户取消")
        return Response({"order_id": order.order_id, "status": order.status})


class OrderReceiveView(UserView):
    @extend_schema(request=None, responses={200: OrderStatusSerializer, **errors(404, 409)}, tags=["orders"])
    def post(self, request, order_id: str):
        """Confirm receipt of a shipped order."""
        order = services.confirm_receipt(order_id=order_id, user=request.user)
        return Response({"order_id": order.order_id, "status": order.status})


class OrderPayView(UserView):
    @extend_schema(request=None, responses={200: PayUrlSerializer, **errors(400, 404)}, tags=["payments"])
    def post(self, request, order_id: str):
        """The Alipay cashier URL for the shopper's own unpaid Alipay order: open it in a browser or web view.
        Alipay then notifies the shop's server; poll GET /api/v1/orders/{order_id}/ for `paid`."""
        url = payment_services.start_payment(request=request._request, order_id=order_id)
        return Response({"order_id": order_id, "pay_url": url})


class CouponListView(UserView, GenericAPIView):
    serializer_class = MyCouponSerializer

    @extend_schema(responses={200: MyCouponSerializer(many=True)}, tags=["coupons"])
    def get(self, request):
        """The shopper's claimed coupons (used ones too: see `used_order_id`), newest first, a page at a time."""
        page = self.paginate_queryset(selectors.list_user_coupons(user=request.user).order_by("-claimed_at", "-id"))
        return self.get_paginated_response(MyCouponSerializer(page, many=True).data)


class ClaimableCouponListView(UserView, GenericAPIView):
    serializer_class = CouponSerializer

    @extend_schema(responses={200: CouponSerializer(many=True)}, tags=["coupons"])
    def get(self, request):
        """Coupons open to claim that the shopper has not claimed yet, soonest to expire first, a page at a time."""
        claimed = selectors.list_user_coupons(user=request.user).values("coupon_id")
        coupons = selectors.list_claimable_coupons().exclude(pk__in=claimed).order_by("valid_until", "id")
        return self.get_paginated_response(CouponSerializer(self.paginate_queryset(coupons), many=True).data)


class CouponClaimView(UserView):
    @extend_schema(request=None, responses={201: MyCouponSerializer, **errors(400, 404)}, tags=["coupons"])
    def post(self, request, coupon_id: int):
        """Claim a coupon (once per shopper, never more than it has)."""
        user_coupon = services.claim_coupon(user=request.user, coupon_id=coupon_id)
        return Response(MyCouponSerializer(user_coupon).data, status=status.HTTP_201_CREATED)


class PointsView(UserView, GenericAPIView):
    serializer_class = PointsEntrySerializer

    @extend_schema(responses={200: PointsEntrySerializer(many=True)}, tags=["coupons"])
    def get(self, request):
        """The points ledger, newest first, a page at a time, with the current `balance` beside the page."""
        page = self.paginate_queryset(selectors.list_points_ledger(user=request.user).order_by("-created_at", "-id"))
        response = self.get_paginated_response(PointsEntrySerializer(page, many=True).data)
        response.data["balance"] = selectors.get_points_balance(user_id=request.user.pk)
        return response
