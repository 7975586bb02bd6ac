"""flashsales' part of the product page (issue 17): the sale box (countdown, 抢购, live state), filled into the
`flash_sale` slot of commerce.catalog.sku_page (registered in FlashSalesConfig.ready), so that catalog never
reaches up to flash sales. No SQL: the card comes from the flash-sale showcase."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.catalog.models import SKU
from commerce.catalog.sku_page import SlotFill
from commerce.flashsales.services import sale_card
from commerce.page_memo import marker


def sku_box(request: HttpRequest, sku: SKU) -> str:
    """The sale box of `sku`'s product page for this request ("" when no sale is coming or running)."""
    card = sale_card(sku.pk)
    if not card:
        return ""
    return render_to_string("flashsales/sku_box.html", {"flash": card, "sku": sku}, request=request)


def product_page_slots(request: HttpRequest, sku: SKU) -> SlotFill:
    """A hole: the box counts down by server time and changes state on its own, so it is drawn on every view."""
    if not sale_card(sku.pk):
        return SlotFill()
    return SlotFill(
        key="flash-sale",
        slots=lambda: {"flash_sale": marker("flash_sale")},
        holes={"flash_sale": lambda: sku_box(request, sku)},
    )
