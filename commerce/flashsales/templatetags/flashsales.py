"""`{% flash_sale_for sku as flash %}`: the sale card the product page shows (templates/flashsales/sku_box.html).

No SQL: the card comes from the flash-sale showcase (services.sale_card), so a product page without a sale
costs one dictionary lookup."""

from __future__ import annotations

from django import template

from commerce.flashsales.services import sale_card

register = template.Library()


@register.simple_tag
def flash_sale_for(sku) -> dict | None:
    return sale_card(sku.pk) if sku is not None and getattr(sku, "pk", None) else None
