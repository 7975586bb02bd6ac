"""`{% sku_comments sku %}`: the first page of a product's comments for the product page (SPEC E7)."""

from __future__ import annotations

from django import template
from django.core.paginator import Paginator

from commerce.orders import comments

register = template.Library()


@register.inclusion_tag("orders/comments_list.html")
def sku_comments(sku) -> dict:
    if sku.comments:
        page = comments.list_sku_comments(sku_id=sku.pk, page=1)
    else:  # the SKU's counter (bumped by every comment posted): none yet, so no query for an empty list
        page = Paginator([], comments.COMMENTS_PER_PAGE).page(1)
    return {"comments_page": page, "comments_sku_id": sku.pk}
