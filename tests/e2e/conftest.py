"""Fixtures of the browser journeys."""

from __future__ import annotations

import pytest


@pytest.fixture
def beijing_areas(transactional_db) -> None:
    """The three areas an address in 北京市东城区 needs (a transactional test starts with none)."""
    from commerce.accounts.models import Area

    Area.objects.get_or_create(id=11, defaults={"name": "北京市"})
    Area.objects.get_or_create(id=1101, defaults={"name": "市辖区", "parent_id": 11})
    Area.objects.get_or_create(id=110101, defaults={"name": "东城区", "parent_id": 1101})
