"""Catalog writes that pages trigger: per-category daily visit counts (SPEC B4).

Counted in Redis and moved to the database by a periodic job; see commerce.catalog.visits."""

from __future__ import annotations

from commerce.catalog.visits import flush_visits, record_category_visit

__all__ = ["flush_visits", "record_category_visit"]
