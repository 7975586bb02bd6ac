"""Writes the anonymous cart cookie back after a view changed or cleaned it, and deletes it after a login
merged it into Redis (the login receiver has no response to work on)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from commerce.cart.storage import CLEAR_COOKIE_ATTR, REQUEST_ATTR, CookieCart


class CartCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, CLEAR_COOKIE_ATTR, False):
            response.delete_cookie(settings.CART_COOKIE_NAME, samesite="Lax")
            return response
        cart = getattr(request, REQUEST_ATTR, None)
        if isinstance(cart, CookieCart) and cart.dirty:
            cart.write(response)
        return response
