"""Catalog writes that pages trigger: per-category daily visit counts (SPEC B4)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from commerce.catalog.models import GoodsVisitCount

logger = logging.getLogger(__name__)


def record_category_visit(*, category_id: int, day: date | None = None) -> None:
    """Add one visit to the category's counter for `day` (default: today in Asia/Shanghai).

    Atomic under concurrency: an `UPDATE ... SET count = count + 1`, and when the day's row does not exist yet an
    insert that, if another request inserted it first, falls back to the update. Never raises for a race.
    """
    day = day or timezone.localdate()
    rows = GoodsVisitCount.objects.filter(category_id=category_id, date=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            GoodsVisitCount.objects.create(category_id=category_id, date=day, count=1)
    except IntegrityError:
        # Another request created today's row between our update and insert: count on it.
        if not rows.update(count=F("count") + 1):
            logger.warning("visit for unknown category %s not recorded", category_id)
