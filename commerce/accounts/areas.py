"""Administrative areas of mainland China (SPEC A9): reads cached in Redis, the region check addresses
use, and the loader behind migration 0003 / `manage.py load_areas`.

Areas only change through a data migration, so the cache lives for a day; `clear_area_cache()` drops it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.models import Area

AREAS_FILE = Path(__file__).resolve().parent / "data" / "areas.json"
CACHE_PREFIX = "areas:v1:"
PROVINCES_KEY = f"{CACHE_PREFIX}provinces"


class AreaRow(TypedDict):
    id: int
    name: str


class AreaWithSubs(AreaRow):
    subs: list[AreaRow]


class AreaNotFound(Exception):
    """No area has this code."""

    code = AccountErrorCode.AREA_NOT_FOUND

    def __init__(self, area_code: object) -> None:
        self.area_code = area_code
        super().__init__(_("行政区划不存在：%(code)s") % {"code": area_code})


class RegionMismatch(Exception):
    """The chosen province, city and district do not nest (district in city in province)."""

    code = AccountErrorCode.REGION_MISMATCH

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


MAX_CODE = 999_999_999  # 9-digit town codes are the longest; larger numbers would overflow SQLite


def _valid_code(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_CODE


def _cache_seconds() -> int:
    return getattr(settings, "SHOP_AREA_CACHE_SECONDS", 24 * 3600)


def list_provinces() -> list[AreaRow]:
    """Every province as {id, name}, ordered by code; from Redis after the first call."""
    provinces = cache.get(PROVINCES_KEY)
    if provinces is None:
        provinces = [
            {"id": area_id, "name": name}
            for area_id, name in Area.objects.filter(parent__isnull=True).order_by("id").values_list("id", "name")
        ]
        cache.set(PROVINCES_KEY, provinces, _cache_seconds())
    return provinces


def get_area_with_subs(area_code: int) -> AreaWithSubs:
    """One area with its direct subdivisions (a province's cities, a city's districts).

    Raises AreaNotFound. Served from Redis after the first call for that code.
    """
    if not _valid_code(area_code):
        raise AreaNotFound(area_code)
    key = f"{CACHE_PREFIX}subs:{area_code}"
    data = cache.get(key)
    if data is None:
        area = Area.objects.filter(id=area_code).values("id", "name").first()
        if area is None:
            raise AreaNotFound(area_code)
        subs = [
            {"id": i, "name": n}
            for i, n in Area.objects.filter(parent_id=area_code).order_by("id").values_list("id", "name")
        ]
        data = {"id": area["id"], "name": area["name"], "subs": subs}
        cache.set(key, data, _cache_seconds())
    return data


def clear_area_cache() -> None:
    """Forget every cached area answer (after a data migration changed areas)."""
    cache.delete_pattern(f"{CACHE_PREFIX}*")


def resolve_region(*, province_id: int | None, city_id: int | None, district_id: int | None) -> tuple[Area, Area, Area]:
    """The three areas of an address, checked to nest: province has no parent, city's parent is the
    province, district's parent is the city. Raises RegionMismatch naming the field at fault."""
    found = Area.objects.in_bulk([i for i in (province_id, city_id, district_id) if _valid_code(i)])
    province, city, district = found.get(province_id), found.get(city_id), found.get(district_id)
    if province is None:
        raise RegionMismatch("province", _("请选择有效的省份"))
    if province.parent_id is not None:
        raise RegionMismatch("province", _("所选省份无效"))
    if city is None:
        raise RegionMismatch("city", _("请选择有效的城市"))
    if city.parent_id != province.id:
        raise RegionMismatch("city", _("所选城市不属于所选省份"))
    if district is None:
        raise RegionMismatch("district", _("请选择有效的区县"))
    if district.parent_id != city.id:
        raise RegionMismatch("district", _("所选区县不属于所选城市"))
    return province, city, district


@transaction.atomic
def load_areas(*, path: Path = AREAS_FILE) -> int:
    """Insert the areas from the shipped JSON that are missing (idempotent); returns how many were added.

    Migration 0003 does this on `migrate`; the command and test fixtures call it after a database flush.
    """
    rows = json.loads(path.read_text(encoding="utf-8"))
    existing = set(Area.objects.values_list("id", flat=True))
    new = [Area(id=code, name=name, parent_id=parent) for code, name, parent in rows if code not in existing]
    Area.objects.bulk_create(new, batch_size=500)
    if new:
        clear_area_cache()
    return len(new)
