"""orders' part of the product page (SPEC B4, E7): the first page of comments, the comments script and the
freight claim, filled into the slots of commerce.catalog.sku_page (registered in OrdersConfig.ready), so that
catalog never imports orders."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.catalog.models import SKU
from commerce.catalog.sku_page import SlotFill
from commerce.orders import comments
from commerce.orders.pricing import freight_rule
from commerce.orders.templatetags.freight import claim_text, rule_text


def comments_block(sku: SKU) -> str:
    """The comments tab's first page (the fragment `orders:sku_comments` serves for later pages)."""
    if sku.comments:
        page = comments.list_sku_comments(sku_id=sku.pk, page=1)
    else:  # the SKU's counter (bumped by every comment posted): none yet, so no query for an empty list
        page = Paginator([], comments.COMMENTS_PER_PAGE).page(1)
    return render_to_string("orders/comments_list.html", {"comments_page": page, "comments_sku_id": sku.pk})


def product_page_slots(request: HttpRequest, sku: SKU) -> SlotFill:
    """The comments (under their version; the SKU's counter is in the page's key already) and the freight rule."""
    policy = freight_rule()
    return SlotFill(
        key=(comments.comments_version(sku.pk), policy),
        slots=lambda: {
            "comments": comments_block(sku),
            "comments_script": render_to_string("orders/comments_script.html"),
            "freight_claim": claim_text(policy),
            "freight_rule": rule_text(policy),
        },
    )
