"""Fixtures of the browser journeys."""

from __future__ import annotations

import pytest

from tests.factories import ensure_beijing_areas


@pytest.fixture
def beijing_areas(transactional_db) -> None:
    """The three areas an address in 北京市东城区 needs (a transactional test starts with none)."""
    ensure_beijing_areas()


@pytest.fixture
def daphne_static_root(settings):
    """Write where the Daphne process (started once per run) looks, and clean up after the test."""
    from cms import static_page_builder
    from config.settings import test as test_settings

    settings.STATIC_PAGES_ROOT = test_settings.STATIC_PAGES_ROOT
    built: list[int] = []
    yield built
    for sku_id in built:
        static_page_builder.remove_sku_page(sku_id)
