"""Visit counts (SPEC B4, issue 14): a product page view adds one to a Redis counter, the scheduler's job
moves the counts into GoodsVisitCount exactly once, whatever step a flush died at."""

from __future__ import annotations

from datetime import date

import pytest
from django_redis import get_redis_connection

from commerce.catalog.models import GoodsVisitCount, VisitFlush
from commerce.catalog.visits import BATCH_PREFIX, PENDING_KEY, flush_visits, record_category_visit
from tasks.actors.catalog import flush_visits_task
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

DAY = date(2025, 11, 11)


@pytest.fixture
def redis_client():
    return get_redis_connection("default")


def count(category, day=DAY) -> int:
    row = GoodsVisitCount.objects.filter(category=category, date=day).first()
    return row.count if row else 0


def test_visits_wait_in_redis_until_the_flush_adds_them_once(redis_client):
    phones, laptops = CategoryFactory(), CategoryFactory()
    for _ in range(3):
        record_category_visit(category_id=phones.pk, day=DAY)
    record_category_visit(category_id=laptops.pk, day=DAY)
    assert not GoodsVisitCount.objects.exists()
    assert redis_client.hget(PENDING_KEY, f"{DAY.isoformat()}:{phones.pk}") == b"3"

    assert flush_visits() == 4
    assert flush_visits() == 0  # running the job twice is harmless

    assert (count(phones), count(laptops)) == (3, 1)
    assert not redis_client.exists(PENDING_KEY)


def test_flush_adds_to_the_days_existing_row(redis_client):
    phones = CategoryFactory()
    GoodsVisitCount.objects.create(category=phones, date=DAY, count=10)
    record_category_visit(category_id=phones.pk, day=DAY)
    record_category_visit(category_id=phones.pk, day=date(2025, 11, 12))

    flush_visits()

    assert count(phones) == 11
    assert count(phones, date(2025, 11, 12)) == 1


def test_a_batch_left_by_a_flush_that_died_before_writing_is_applied_by_the_next(redis_client):
    phones = CategoryFactory()
    record_category_visit(category_id=phones.pk, day=DAY)
    redis_client.rename(PENDING_KEY, BATCH_PREFIX + "died-after-rename")  # what a flush does first
    record_category_visit(category_id=phones.pk, day=DAY)  # a visit arriving meanwhile

    assert flush_visits() == 2

    assert count(phones) == 2
    assert list(redis_client.scan_iter(match=BATCH_PREFIX + "*")) == []


def test_a_batch_already_written_is_not_counted_again(redis_client):
    phones = CategoryFactory()
    redis_client.hset(BATCH_PREFIX + "died-after-commit", f"{DAY.isoformat()}:{phones.pk}", 5)
    GoodsVisitCount.objects.create(category=phones, date=DAY, count=5)  # ...its counts were committed
    VisitFlush.objects.create(batch="died-after-commit")  # ...with its marker, but its key stayed

    assert flush_visits() == 0

    assert count(phones) == 5
    assert not redis_client.exists(BATCH_PREFIX + "died-after-commit")


def test_visits_of_a_deleted_category_or_garbage_fields_are_dropped(redis_client):
    phones = CategoryFactory()
    record_category_visit(category_id=phones.pk, day=DAY)
    record_category_visit(category_id=999_999, day=DAY)
    redis_client.hincrby(PENDING_KEY, "not-a-day:abc", 1)

    assert flush_visits() == 1

    assert count(phones) == 1


def test_the_scheduled_job_flushes(redis_client):
    phones = CategoryFactory()
    record_category_visit(category_id=phones.pk, day=DAY)

    flush_visits_task()  # the actor's function, run in-process

    assert count(phones) == 1
