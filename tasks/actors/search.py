"""Search index jobs (SPEC C1, H): keep the haystack index in step with committed catalog edits."""

from __future__ import annotations

import dramatiq

from commerce.catalog.search_service import refresh_search_index, sync_search_documents


@dramatiq.actor(max_retries=5, min_backoff=1_000, max_backoff=60_000)
def update_search_index_task(model_label: str, pk: int) -> None:
    """Reindex (or remove) the SKU documents fed by one saved or deleted row. Safe to run twice."""
    sync_search_documents(model_label=model_label, pk=pk)


@dramatiq.actor(max_retries=3, min_backoff=60_000, time_limit=60 * 60_000)
def refresh_search_index_task() -> None:
    """Nightly: reindex every launched SKU in place (fresh sales for sorting), drop unlaunched ones."""
    refresh_search_index()
