"""Per-category daily visit counts (SPEC B4) without a hot-row UPDATE on every product page view.

A view adds one to a field of one Redis hash (`HINCRBY catalog:visits:pending "<day>:<category_id>" 1`: one
round trip, no database, no lock). Redis keeps the counts when a web process stops or is killed. The
scheduler runs `flush_visits_task` every minute, which calls `flush_visits()`:

1. `RENAME` the pending hash to a batch key with a fresh id (atomic: visits that arrive afterwards start a new
   pending hash, none is lost between read and delete);
2. in one database transaction, record the batch id in `VisitFlush` (unique) and add the batch's counts to the
   `GoodsVisitCount` rows (one UPDATE per category and day, an INSERT for a new row);
3. delete the batch key.

A flush that dies after step 1 leaves its batch key; the next flush finds it and applies it. A flush that dies
after its commit but before step 3 leaves a batch whose id is already in `VisitFlush`: the next flush sees the
id and only deletes the key. So every visit is counted exactly once, and running the job twice is harmless.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_redis import get_redis_connection

from commerce.catalog.models import GoodsCategory, GoodsVisitCount, VisitFlush

logger = logging.getLogger(__name__)

PENDING_KEY = "catalog:visits:pending"
BATCH_PREFIX = "catalog:visits:batch:"
#: how long applied batch ids are kept (a batch key older than this cannot be waiting any more).
FLUSH_MEMORY = timedelta(days=7)


def _redis():
    return get_redis_connection("default")


def record_category_visit(*, category_id: int, day: date | None = None) -> None:
    """Count one detail-page visit for the category on `day` (default: today in Asia/Shanghai).

    One Redis HINCRBY; the database row follows at the next `flush_visits()`."""
    day = day or timezone.localdate()
    _redis().hincrby(PENDING_KEY, f"{day.isoformat()}:{int(category_id)}", 1)


def flush_visits() -> int:
    """Move every counted visit from Redis into GoodsVisitCount rows, exactly once. Returns how many visits
    were added to the database by this call."""
    redis = _redis()
    batch = f"{BATCH_PREFIX}{uuid.uuid4().hex}"
    try:
        redis.rename(PENDING_KEY, batch)
    except Exception as exc:  # redis.ResponseError "no such key": nothing counted since the last flush
        if "no such key" not in str(exc).lower():
            raise
    added = 0
    for key in sorted(k.decode() if isinstance(k, bytes) else k for k in redis.scan_iter(match=BATCH_PREFIX + "*")):
        added += _apply_batch(key, redis.hgetall(key))
        redis.delete(key)
    VisitFlush.objects.filter(applied_at__lt=timezone.now() - FLUSH_MEMORY).delete()
    return added


def _parse(raw: dict) -> dict[tuple[date, int], int]:
    counts: dict[tuple[date, int], int] = {}
    for field, value in raw.items():
        field = field.decode() if isinstance(field, bytes) else field
        try:
            day_text, category_text = field.split(":")
            key = (date.fromisoformat(day_text), int(category_text))
            count = int(value)
        except ValueError:
            logger.warning("visit counter field %r ignored", field)
            continue
        counts[key] = counts.get(key, 0) + count
    return counts


def _apply_batch(key: str, raw: dict) -> int:
    """Add one batch's counts to the database unless this batch was applied before; returns visits added."""
    counts = _parse(raw)
    known = set(GoodsCategory.objects.filter(pk__in={c for _, c in counts}).values_list("pk", flat=True))
    added = 0
    with transaction.atomic():
        try:
            with transaction.atomic():  # a concurrent flush of the same batch waits here, then fails
                VisitFlush.objects.create(batch=key.removeprefix(BATCH_PREFIX))
        except IntegrityError:
            logger.info("visit batch %s was applied before; dropping its key", key)
            return 0
        for (day, category_id), count in sorted(counts.items()):
            if category_id in known:  # a category deleted since the visit has no row to count on
                _add(category_id=category_id, day=day, count=count)
                added += count
    return added


def _add(*, category_id: int, day: date, count: int) -> None:
    rows = GoodsVisitCount.objects.filter(category_id=category_id, date=day)
    if rows.update(count=F("count") + count):
        return
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same row falls back to the update
            GoodsVisitCount.objects.create(category_id=category_id, date=day, count=count)
    except IntegrityError:
        rows.update(count=F("count") + count)
