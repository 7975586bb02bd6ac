"""What the product page (SPEC B4) shows or does on behalf of apps that sit above catalog.

Catalog is at the bottom of the house: it imports neither orders nor accounts. Yet the product page shows the
first page of comments and the freight claim (orders' data) and a logged-in shopper's visit lands in the browsing
history (accounts' data). The arrows point up through two hooks here, filled by the upper apps in their
AppConfig.ready():

- **Slots**: named places in ``catalog/sku_detail.html`` (``SLOTS``). An app registers a provider,
  ``register_slot_provider(fn)``; ``fn(request, sku)`` returns a ``SlotFill``: the values its slots depend on
  (``key``, part of the page's key in commerce.page_memo), a callable giving the slots' HTML (or text), called
  only when the page is drawn again, and the slots that differ per request (``holes``, drawn on every view).
  The view hands the merged slots to the template as ``sku_slots``; a slot nobody fills is empty. orders fills
  the comments block, its script and the freight claim (commerce.orders.sku_page); flashsales the sale box
  (commerce.flashsales.sku_page), a hole: its countdown runs by server time.
- **Viewed**: the ``sku_viewed`` signal, sent by the view for every product view by a shopper (not for a
  static-page render), with ``sku_id``, ``category_id`` and ``user`` (None when logged out). accounts records
  the browsing history from it (commerce.accounts.signals).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from commerce.page_memo import Hole

if TYPE_CHECKING:
    from commerce.catalog.models import SKU

#: The slots the product page template has. A provider's other names are ignored.
SLOTS = frozenset({"comments", "comments_script", "freight_claim", "freight_rule", "flash_sale"})


@dataclass(frozen=True)
class SlotFill:
    """One provider's part of a product page: `key` (plain values its slots depend on), `slots` (called only
    when the page is drawn again) and `holes` (slot name -> this request's HTML, drawn on every view; the
    provider's `slots` put ``commerce.page_memo.marker(name)`` where each goes)."""

    key: Hashable = ()
    slots: Callable[[], Mapping[str, str]] = dict
    holes: Mapping[str, Hole] = field(default_factory=dict)


@dataclass(frozen=True)
class Slots:
    key: tuple
    values: Mapping[str, str]  # lazy: drawn from the providers' `slots` on first use
    holes: dict[str, Hole]


SlotProvider = Callable[[HttpRequest, "SKU"], SlotFill]

_providers: list[SlotProvider] = []

#: Sent after the product view has loaded a launched SKU for a shopper: sku_id, category_id, user (or None).
sku_viewed = Signal()


def register_slot_provider(provider: SlotProvider) -> None:
    """Let `provider` fill slots of the product page (once per provider; registering again is a no-op)."""
    if provider not in _providers:
        _providers.append(provider)


def fill_slots(request: HttpRequest, sku: SKU) -> Slots:
    """Every registered provider's part for `sku`, merged (a later provider wins a name both fill)."""
    fills = [provider(request, sku) for provider in _providers]

    def values() -> dict[str, str]:
        merged: dict[str, str] = {}
        for fill in fills:
            merged.update((name, value) for name, value in fill.slots().items() if name in SLOTS)
        return merged

    holes = {name: hole for fill in fills for name, hole in fill.holes.items() if name in SLOTS}
    return Slots(key=tuple(fill.key for fill in fills), values=SimpleLazyObject(values), holes=holes)
