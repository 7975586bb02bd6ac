"""Durable delayed jobs (tasks.durable): a row written with the business change, a message as the fast path,
and the dispatch tick re-sending what no message carries any more; a real Dramatiq worker runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_redis import get_redis_connection

from commerce.catalog.stock import DUE_KEY, announce_stock, send_overdue_stock_pushes
from tasks import durable
from tasks.models import DurableJob
from tests.factories import SKUFactory
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

NOTHING_TO_NOTIFY = ("deliver_sandbox_notify_task", "2021000000000001", "404")  # a trade the sandbox lacks


def test_a_job_scheduled_in_a_rolled_back_transaction_does_not_exist():
    with pytest.raises(RuntimeError), transaction.atomic():
        durable.schedule(*NOTHING_TO_NOTIFY, key="k1")
        raise RuntimeError
    assert not DurableJob.objects.exists()


def test_a_job_whose_message_was_lost_is_sent_again_by_the_tick_and_runs_once(dramatiq_broker, dramatiq_worker):
    dramatiq_worker.pause()
    job = durable.schedule(*NOTHING_TO_NOTIFY, key="k2", delay_seconds=60)
    dramatiq_broker.flush_all()  # the delayed message is gone (a killed worker held it, Redis lost it...)
    dramatiq_worker.resume()

    assert durable.dispatch_due().sent == 0  # not due yet
    DurableJob.objects.filter(pk=job.pk).update(due_at=timezone.now() - timedelta(seconds=2))
    assert durable.dispatch_due().sent == 0  # due, but still within the grace left to its own message
    DurableJob.objects.filter(pk=job.pk).update(due_at=timezone.now() - timedelta(seconds=durable.GRACE_SECONDS + 1))
    assert durable.dispatch_due().sent == 1
    assert durable.dispatch_due().sent == 0  # sent a moment ago: not again within the lease

    wait_until(lambda: DurableJob.objects.get(pk=job.pk).done_at is not None)
    done = DurableJob.objects.get(pk=job.pk)
    assert done.attempts == 1 and done.last_error == ""
    assert durable.run_job(job.pk) is False  # a late duplicate does nothing


def test_a_failing_job_backs_off_and_gives_up_after_its_attempts():
    job = durable.schedule("refund_payment_task", 999_999, key="k3", max_attempts=2)  # no such refund
    assert durable.run_job(job.pk) is False
    job.refresh_from_db()
    assert job.done_at is None and "DoesNotExist" in job.last_error
    assert timezone.now() + timedelta(seconds=3) < job.due_at < timezone.now() + timedelta(seconds=6)
    DurableJob.objects.filter(pk=job.pk).update(due_at=timezone.now())
    assert durable.run_job(job.pk) is False
    job.refresh_from_db()
    assert job.done_at is not None and job.last_error.startswith("放弃")
    assert durable.backoff_seconds(1) == 5 and durable.backoff_seconds(4) == 40 and durable.backoff_seconds(30) == 3600


def test_an_overdue_stock_push_is_sent_again_and_cleared_by_the_push(dramatiq_broker, dramatiq_worker):
    sku = SKUFactory(stock=7)
    dramatiq_worker.pause()
    announce_stock([sku.pk])  # a push decided now...
    dramatiq_broker.flush_all()  # ...whose message was lost
    dramatiq_worker.resume()
    redis = get_redis_connection("default")
    assert redis.zscore(DUE_KEY, sku.pk) is not None
    assert send_overdue_stock_pushes() == 0  # within the grace
    redis.zadd(DUE_KEY, {sku.pk: 0})  # long overdue
    assert send_overdue_stock_pushes() == 1
    wait_until(lambda: redis.zscore(DUE_KEY, sku.pk) is None)
