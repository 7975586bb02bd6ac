"""The shopper's cart: the same Redis cart the site shows once logged in (commerce.cart.services)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from api.serializers import CartAddSerializer, CartChangeSerializer, CartSerializer, SelectAllSerializer
from api.views.base import UserView, body, errors
from commerce.cart import services
from commerce.cart.errors import InvalidInput
from commerce.cart.storage import RedisCart


def _cart(request) -> RedisCart:
    return RedisCart(request.user.pk)


def _answer(request, code: int = status.HTTP_200_OK) -> Response:
    return Response(services.get_cart_summary(cart=_cart(request)).as_dict(), status=code)


class CartView(UserView):
    @extend_schema(responses={200: CartSerializer, **errors(401, 429)}, tags=["cart"])
    def get(self, request):
        """Every line at today's price and stock, with the selected count and amount."""
        return _answer(request)

    @extend_schema(
        request=CartAddSerializer, responses={201: CartSerializer, **errors(400, 401, 409, 429)}, tags=["cart"]
    )
    def post(self, request):
        """Add `count` units of a SKU (added to what is already there, within the cart's limits)."""
        data = body(request)
        if data.get("sku_id") in (None, ""):
            raise InvalidInput(_("请选择商品"), code="missing_sku_id", field="sku_id")
        sku_id = services.parse_sku_id(data.get("sku_id"))
        count = services.parse_count(data.get("count", 1))
        services.add_to_cart(cart=_cart(request), sku_id=sku_id, count=count)
        return _answer(request, status.HTTP_201_CREATED)

    @extend_schema(request=SelectAllSerializer, responses={200: CartSerializer, **errors(400, 401, 429)}, tags=["cart"])
    def put(self, request):
        """Select or unselect every line."""
        selected = services.parse_selected(body(request).get("selected", True))
        services.select_all(cart=_cart(request), selected=selected)
        return _answer(request)


class CartLineView(UserView):
    @extend_schema(
        request=CartChangeSerializer, responses={200: CartSerializer, **errors(400, 401, 404, 409, 429)}, tags=["cart"]
    )
    def patch(self, request, sku_id: int):
        """Set a line's count and/or whether it is selected for checkout."""
        data = body(request)
        count = services.parse_count(data["count"]) if data.get("count") is not None else None
        selected = services.parse_selected(data["selected"]) if data.get("selected") is not None else None
        if count is None and selected is None:
            raise InvalidInput(_("请填写购买数量"), code="missing_count", field="count")
        cart = _cart(request)
        if count is not None:
            services.change_count(cart=cart, sku_id=sku_id, count=count)
        if selected is not None:
            services.set_selected(cart=cart, sku_ids=[sku_id], selected=selected)
        return _answer(request)

    @extend_schema(responses={200: CartSerializer, **errors(401, 429)}, tags=["cart"])
    def delete(self, request, sku_id: int):
        """Remove a line (removing a line that is not there is not an error)."""
        services.remove_from_cart(cart=_cart(request), sku_ids=[sku_id])
        return _answer(request)
