"""Background work catalog asks for (by actor name, see commerce.jobs); the actors live in tasks/actors/."""

from __future__ import annotations

from commerce import jobs


def publish_stock(sku_id: int, *, delay_ms: int = 0) -> None:
    """Publish SKU `sku_id`'s committed stock to its open pages, now or after `delay_ms` (call after commit:
    `commerce.catalog.stock` coalesces the calls per SKU)."""
    jobs.send("publish_stock_task", int(sku_id), delay_ms=delay_ms or None)


def update_search_index(*, model_label: str, pk: int) -> None:
    """Reindex the SKU documents fed by one saved or deleted row, once the current transaction commits."""
    jobs.send_on_commit("update_search_index_task", model_label, pk)
