"""Fixtures shared by the user-center tests (imported by name in each module)."""

from __future__ import annotations

import pytest


@pytest.fixture
def areas(db):
    """The shipped areas. Migration 0003 loads them, but a transactional test before this one may have
    flushed the tables, so load whatever is missing (idempotent)."""
    from commerce.accounts.areas import load_areas

    load_areas()


# A valid address form submission (北京市 / 北京市 / 东城区).
ADDRESS_POST = {
    "title": "家",
    "receiver": "张三",
    "province": "11",
    "city": "1101",
    "district": "110101",
    "place": "东长安街 1 号",
    "mobile": "13800138000",
    "tel": "",
    "email": "",
}
