"""The cart: with a token, the same Redis cart the site shows once logged in; without one, an app cart carried
by the app itself in a cart token, exactly as the site's anonymous cart is carried in its signed cookie (the
token *is* that signed value), merged into the Redis cart when the app logs in or registers with it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from api.schema import errors
from api.serializers import CartAddSerializer, CartChangeSerializer, CartSerializer, SelectAllSerializer
from api.views.base import ApiView, body
from commerce.cart import services
from commerce.cart.errors import InvalidInput
from commerce.cart.storage import CartStore, CookieCart, RedisCart, decode_cookie, encode_cookie

CART_TOKEN_HEADER = "X-Cart-Token"  # noqa: S105 (a header name)
CART_TOKEN = OpenApiParameter(
    CART_TOKEN_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Without an access token: the cart_token of the previous answer (none for an empty cart).",
)


def _cart(request) -> CartStore:
    cached = getattr(request, "_api_cart", None)
    if cached is None:
        if request.user.is_authenticated:
            cached = RedisCart(request.user.pk)
        else:
            items, _clean = decode_cookie(request.headers.get(CART_TOKEN_HEADER) or None)
            cached = CookieCart(items)
        request._api_cart = cached
    return cached


def _answer(request, code: int = status.HTTP_200_OK) -> Response:
    cart = _cart(request)
    data = services.get_cart_summary(cart=cart).as_dict()  # drops lines whose SKU is gone
    if isinstance(cart, CookieCart):
        items = cart.items()
        data["cart_token"] = encode_cookie(items) if items else ""
    return Response(data, status=code)


def merge_cart_token(*, token: object, user_id: int) -> None:
    """At login: merge the app's anonymous cart into the user's Redis cart (the site's merge rule, SPEC D4)."""
    if isinstance(token, str) and token:
        items, _clean = decode_cookie(token)
        if items:
            services.merge_cookie_cart(items=items, user_id=user_id)


class CartView(ApiView):
    @extend_schema(responses={200: CartSerializer}, tags=["cart"], parameters=[CART_TOKEN])
    def get(self, request):
        """Every line at today's price and stock, with the selected count and amount."""
        return _answer(request)

    @extend_schema(
        request=CartAddSerializer,
        responses={201: CartSerializer, **errors(400, 409)},
        tags=["cart"],
        parameters=[CART_TOKEN],
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

    @extend_schema(
        request=SelectAllSerializer,
        responses={200: CartSerializer, **errors(400)},
        tags=["cart"],
        parameters=[CART_TOKEN],
    )
    def put(self, request):
        """Select or unselect every line."""
        selected = services.parse_selected(body(request).get("selected", True))
        services.select_all(cart=_cart(request), selected=selected)
        return _answer(request)


class CartLineView(ApiView):
    @extend_schema(
        request=CartChangeSerializer,
        responses={200: CartSerializer, **errors(400, 404, 409)},
        tags=["cart"],
        parameters=[CART_TOKEN],
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

    @extend_schema(responses={200: CartSerializer}, tags=["cart"], parameters=[CART_TOKEN])
    def delete(self, request, sku_id: int):
        """Remove a line (removing a line that is not there is not an error)."""
        services.remove_from_cart(cart=_cart(request), sku_ids=[sku_id])
        return _answer(request)
