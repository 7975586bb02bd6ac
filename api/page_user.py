"""The per-visitor bits of static pages (SPEC B6), fetched by site/static/js/page-user.js.

An entry point over several apps (the cart's count, catalog's visit count, accounts' browsing history), so it
lives here above them rather than in cms, which may import catalog only.

- ``GET /api/me/``: ``{"username", "cart_count", "csrf_token"}`` for the header of a static page. Reads the
  session and the cart (cookie or Redis); never cached by browsers or proxies.
- ``POST /api/page-visit/`` with ``sku_id``: what the dynamic detail view does on each visit (the category's
  visit count, the logged-in shopper's browsing history), reported by the static detail page's script.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from commerce.accounts import history
from commerce.cart.services import count_cart_units
from commerce.cart.storage import cart_for_request
from commerce.catalog.models import SKU
from commerce.catalog.services import record_category_visit

logger = logging.getLogger(__name__)

MAX_SKU_ID = 2**63 - 1


@never_cache
@require_safe
def me(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {
            "username": user.get_username() if user.is_authenticated else None,
            "cart_count": count_cart_units(cart=cart_for_request(request)),
            "csrf_token": get_token(request),
        }
    )


@never_cache
@require_POST
def page_visit(request: HttpRequest) -> JsonResponse:
    raw = request.POST.get("sku_id", "")
    sku_id = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_SKU_ID else None
    category_id = (
        SKU.objects.filter(pk=sku_id, is_launched=True).values_list("category_id", flat=True).first()
        if sku_id
        else None
    )
    if category_id is None:
        return JsonResponse({"ok": False, "code": "unknown_sku", "message": _("商品不存在或已下架")}, status=400)
    record_category_visit(category_id=category_id)
    if request.user.is_authenticated:
        history.record_visit(user_id=request.user.pk, sku_id=sku_id)
    return JsonResponse({"ok": True})
