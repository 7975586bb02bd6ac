"""Merge the anonymous cookie cart into the user's Redis cart on every login (SPEC D4).

Password, SMS-code and QQ logins all end in `django.contrib.auth.login`, which sends `user_logged_in`. The
receiver cannot touch the response, so it flags the request and `CartCookieMiddleware` deletes the cookie.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from commerce.cart import services
from commerce.cart.storage import CLEAR_COOKIE_ATTR, REQUEST_ATTR, CookieCart

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="commerce.cart.merge_cookie_cart_on_login")
def merge_cookie_cart_on_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "COOKIES"):
        return
    cached = getattr(request, REQUEST_ATTR, None)
    cart = cached if isinstance(cached, CookieCart) else None
    if cart is None and settings.CART_COOKIE_NAME not in request.COOKIES:
        return
    if cart is None:
        cart = CookieCart.from_request(request)
    services.merge_cookie_cart(items=cart.items(), user_id=user.pk)
    # From here on this request's cart is the user's Redis cart; the cookie goes.
    if hasattr(request, REQUEST_ATTR):
        delattr(request, REQUEST_ATTR)
    setattr(request, CLEAR_COOKIE_ATTR, True)
