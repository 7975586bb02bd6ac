"""`{% sku_comments sku %}`: the first page of a product's comments for the product page (SPEC E7)."""

from __future__ import annotations

from django import template

from commerce.orders import comments

register = template.Library()


@register.inclusion_tag("orders/comments_list.html")
def sku_comments(sku) -> dict:
    return {"comments_page": comments.list_sku_comments(sku_id=sku.pk, page=1), "comments_sku_id": sku.pk}
