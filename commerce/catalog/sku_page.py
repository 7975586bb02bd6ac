"""What the product page (SPEC B4) shows or does on behalf of apps that sit above catalog.

Catalog is at the bottom of the house: it imports neither orders nor accounts. Yet the product page shows the
first page of comments and the freight claim (orders' data) and a logged-in shopper's visit lands in the browsing
history (accounts' data). The arrows point up through two hooks here, filled by the upper apps in their
AppConfig.ready():

- **Slots**: named places in ``catalog/sku_detail.html`` (``SLOTS``). An app registers a provider,
  ``register_slot_provider(fn)``; ``fn(request, sku)`` returns a mapping of slot name to HTML (or text) for
  that product. The view hands the merged mapping to the template as ``sku_slots``; a slot nobody fills is
  empty. orders fills the comments block, its script and the freight claim (commerce.orders.sku_page).
- **Viewed**: the ``sku_viewed`` signal, sent by the view for every product view by a shopper (not for a
  static-page render), with ``sku_id``, ``category_id`` and ``user`` (None when logged out). accounts records
  the browsing history from it (commerce.accounts.signals).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.dispatch import Signal
from django.http import HttpRequest

if TYPE_CHECKING:
    from commerce.catalog.models import SKU

#: The slots the product page template has. A provider's other names are ignored.
SLOTS = frozenset({"comments", "comments_script", "freight_claim", "freight_rule"})

SlotProvider = Callable[[HttpRequest, "SKU"], Mapping[str, str]]

_providers: list[SlotProvider] = []

#: Sent after the product view has loaded a launched SKU for a shopper: sku_id, category_id, user (or None).
sku_viewed = Signal()


def register_slot_provider(provider: SlotProvider) -> None:
    """Let `provider` fill slots of the product page (once per provider; registering again is a no-op)."""
    if provider not in _providers:
        _providers.append(provider)


def fill_slots(request: HttpRequest, sku: SKU) -> dict[str, str]:
    """Every registered provider's slots for `sku`, merged (a later provider wins a name both fill)."""
    slots: dict[str, str] = {}
    for provider in _providers:
        for name, value in provider(request, sku).items():
            if name in SLOTS:
                slots[name] = value
    return slots
