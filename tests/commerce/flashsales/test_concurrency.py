"""Never oversold, under real concurrency: threads hammer the gate (each its own Redis and database
connection), then a real Dramatiq worker drains the queue into orders through the orders placement. Run on
SQLite and on PostgreSQL (DATABASE_URL) against a real Redis.

Then a lost queue: the accepted presses' messages vanish (a killed worker held them, Redis dropped them) and
the scheduler's dispatch tick re-sends them from the durable job rows; every accepted shopper still gets
exactly one order."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from commerce.catalog.models import SKU
from commerce.errors import CommerceError
from commerce.flashsales import services
from commerce.flashsales.models import EntryStatus, FlashEntry, FlashSale
from commerce.orders.models import Order, OrderLine
from tasks import durable
from tasks.models import DurableJob
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SHOPPERS = 24
PRESSES_EACH = 3  # two fresh ids and one repeat of the first (a double click)


def hammer(sale, users) -> list[tuple[int, str, str]]:
    """Every shopper presses PRESSES_EACH times at once, from threads released together."""
    barrier = threading.Barrier(len(users))
    answers: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def shopper_presses(user) -> None:
        first = uuid.uuid4().hex
        ids = [first, uuid.uuid4().hex, first]
        try:
            barrier.wait()
            for request_id in ids:
                try:
                    result = services.press(sale_id=sale.pk, user=user, request_id=request_id, address=f"u{user.pk}")
                    answer = "duplicate" if result.duplicate else "accepted"
                except CommerceError as error:
                    answer = error.code
                with lock:
                    answers.append((user.pk, request_id, answer))
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper_presses, args=(user,), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def assert_never_oversold(sale, accepted: list[tuple[int, str, str]], stock_before: int) -> None:
    sale.refresh_from_db()
    orders = Order.objects.filter(lines__sku_id=sale.sku_id)
    assert orders.count() == len(accepted) == sale.sold <= sale.quantity
    assert FlashEntry.objects.filter(status=EntryStatus.PLACED).count() == len(accepted)
    # exactly one order per accepted press, and per shopper (limit 1)
    assert sorted(orders.values_list("user_id", flat=True)) == sorted(user_id for user_id, _, _ in accepted)
    assert OrderLine.objects.filter(sku_id=sale.sku_id).exclude(count=1).count() == 0
    sku = SKU.objects.get(pk=sale.sku_id)
    assert sku.stock == stock_before - sale.reserved >= 0
    assert sku.sales == len(accepted)


@pytest.mark.parametrize("quantity", [10])
def test_a_crowd_never_oversells_and_every_accepted_shopper_gets_one_order(quantity, dramatiq_broker, dramatiq_worker):
    sale = make_sale(quantity=quantity, limit=1, stock=50)
    assert services.start_sale(sale.pk)
    users = [shopper() for _ in range(SHOPPERS)]

    answers = hammer(sale, users)

    codes = Counter(answer for _, _, answer in answers)
    accepted = [a for a in answers if a[2] == "accepted"]
    assert len(answers) == SHOPPERS * PRESSES_EACH
    assert codes["accepted"] == quantity  # more shoppers than units: all of them go
    assert set(codes) <= {"accepted", "duplicate", "sold_out", "limit"}
    assert len({user_id for user_id, _, _ in accepted}) == quantity  # nobody got two
    assert FlashEntry.objects.count() == quantity

    wait_until(
        lambda: not FlashEntry.objects.filter(status=EntryStatus.QUEUED).exists(),
        timeout=60,
        what="the queue to drain",
    )
    assert_never_oversold(sale, accepted, stock_before=50)


def test_a_lost_queue_is_resent_by_the_dispatch_tick_and_loses_no_accepted_order(dramatiq_broker):
    import dramatiq

    sale = make_sale(quantity=8, limit=1, stock=20)
    assert services.start_sale(sale.pk)
    users = [shopper() for _ in range(12)]
    answers = hammer(sale, users)
    accepted = [a for a in answers if a[2] == "accepted"]
    assert len(accepted) == 8

    # Every message carrying the accepted presses is gone (a SIGKILLed worker held them, or a Redis restart).
    dramatiq_broker.flush_all()
    assert FlashEntry.objects.filter(status=EntryStatus.QUEUED).count() == 8
    # Past the grace, the tick finds the durable rows and sends them again to a fresh worker.
    DurableJob.objects.filter(key__startswith="flash.place:").update(
        due_at=timezone.now() - timedelta(seconds=durable.GRACE_SECONDS + 1)
    )
    assert durable.dispatch_due().sent == 8
    worker = dramatiq.Worker(dramatiq_broker, worker_timeout=100, worker_threads=2)
    worker.start()
    try:
        wait_until(
            lambda: not FlashEntry.objects.filter(status=EntryStatus.QUEUED).exists(),
            timeout=60,
            what="the re-sent jobs to run",
        )
        # Running the jobs again (a duplicate send) changes nothing.
        DurableJob.objects.filter(key__startswith="flash.place:").update(done_at=None, due_at=timezone.now())
        for job_id in DurableJob.objects.filter(key__startswith="flash.place:").values_list("pk", flat=True):
            durable.run_job(job_id)
    finally:
        worker.stop()
        dramatiq_broker.middleware[:] = [
            m for m in dramatiq_broker.middleware if getattr(m, "worker", None) is not worker
        ]
    assert_never_oversold(FlashSale.objects.get(pk=sale.pk), accepted, stock_before=20)
