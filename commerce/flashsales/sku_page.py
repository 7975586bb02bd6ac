"""flashsales' part of the product page (issue 17): the sale box (countdown, 抢购, live state), filled into the
`flash_sale` slot of commerce.catalog.sku_page (registered in FlashSalesConfig.ready), so that catalog never
reaches up to flash sales. No SQL: the card comes from the flash-sale showcase."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.catalog.models import SKU
from commerce.flashsales.services import sale_card


def product_page_slots(request: HttpRequest, sku: SKU) -> dict[str, str]:
    card = sale_card(sku.pk)
    if not card:
        return {}
    return {"flash_sale": render_to_string("flashsales/sku_box.html", {"flash": card, "sku": sku}, request=request)}
