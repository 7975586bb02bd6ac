"""Static page jobs (SPEC B6, H): render the home page and SKU detail pages to files.

Enqueued after commit by cms.signals (editor publishes, catalog edits) and by the scheduler. Each job
re-reads the database when it runs and writes or removes whole files atomically: safe to run twice.
"""

from __future__ import annotations

import dramatiq
from django.core.cache import cache

from cms import static_page_builder
from commerce.catalog.selectors import CATEGORY_MENU_KEY

RETRIES = {"max_retries": 5, "min_backoff": 1_000, "max_backoff": 60_000}


@dramatiq.actor(time_limit=60_000, **RETRIES)
def build_home_page_task() -> None:
    """Write the home page files (removed when no home page is live)."""
    static_page_builder.mark_started("home")
    static_page_builder.build_home_page()


@dramatiq.actor(time_limit=60_000, **RETRIES)
def build_sku_page_task(sku_id: int) -> None:
    """Write one SKU's detail page files; an unlaunched or deleted SKU has its files removed."""
    static_page_builder.mark_started(f"sku:{sku_id}")
    static_page_builder.build_sku_page(sku_id)


@dramatiq.actor(time_limit=5 * 60_000, **RETRIES)
def build_spu_pages_task(spu_id: int) -> None:
    """Rebuild the detail pages of every SKU of an SPU (their spec switchers link each other)."""
    static_page_builder.mark_started(f"spu:{spu_id}")
    static_page_builder.build_spu_pages(spu_id)


@dramatiq.actor(time_limit=60 * 60_000, **RETRIES)
def build_all_static_pages_task() -> None:
    """Home plus every launched SKU (after a category or channel edit, and nightly); stale files removed."""
    static_page_builder.mark_started("all")
    cache.delete(CATEGORY_MENU_KEY)  # every page shows the category menu: build from fresh data
    static_page_builder.build_all_pages()
