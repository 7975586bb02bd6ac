"""Flash-sale faults on the real layout (issue 17): a Dramatiq worker (the Procfile's command) SIGKILLed while
it drains the sale's queue loses no accepted press, and a redis-server restart (its own server, append-only
file on) in the middle of a sale loses no reservation; neither ever oversells.

Presses go through `services.apress`, the service the lean 抢购 route calls, on a real Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter

import pytest
import redis as redis_lib
from django.conf import settings
from django.test import override_settings

from commerce.flashsales import gate, services
from commerce.flashsales.models import EntryStatus, FlashEntry
from commerce.orders.models import Order
from config.embedded_redis import EmbeddedRedis
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.processes import Child, child_env, wait_until

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]


def press_all(tickets: list[services.Ticket]) -> dict[int, str]:
    """Every ticket's shopper presses once (concurrently, like the lean route's event loop); {user: answer}."""

    async def one(ticket: services.Ticket):
        try:
            answer = await services.apress(
                ticket=ticket,
                request_id=secrets.token_hex(6),
                address=f"10.0.{ticket.user_id % 250}.1",
                session_cache_key="",
            )
        except (redis_lib.ConnectionError, OSError):
            return ticket.user_id, "redis_down"
        if answer.error is not None:
            return ticket.user_id, answer.error.code
        return ticket.user_id, "accepted" if answer.result else "django"

    async def run():
        return dict(await asyncio.gather(*(one(t) for t in tickets)))

    return asyncio.run(run())


def tickets_for(sale, n: int) -> list[services.Ticket]:
    people = [shopper() for _ in range(n)]
    return [services.Ticket(sale_id=sale.pk, user_id=u.pk, address_id=u.default_address_id) for u in people]


def assert_exactly_one_order_per_accepted_press(sale, accepted: set[int], stock_before: int) -> None:
    sale.refresh_from_db()
    sale.sku.refresh_from_db()
    orders = list(Order.objects.filter(token__startswith=f"flash-{sale.pk}-").values_list("user_id", flat=True))
    assert sorted(orders) == sorted(accepted)  # every accepted shopper exactly one order, nobody else
    assert sale.sold == len(accepted) <= sale.quantity  # never oversold
    assert sale.sku.stock == stock_before - sale.reserved >= 0
    assert not FlashEntry.objects.filter(sale_id=sale.pk, status=EntryStatus.QUEUED).exists()
    assert gate.queued(sale.pk) == 0


def test_a_worker_killed_while_the_queue_drains_loses_no_accepted_press(tmp_path):
    sale = make_sale(quantity=150, stock=200)
    stock_before = sale.sku.stock
    services.start_sale(sale.pk)
    tickets = tickets_for(sale, 180)
    env = child_env(tmp_path)
    worker = Child.manage("worker", "rundramatiq", "--processes", "1", "--threads", "4", env=env, log_dir=tmp_path)
    try:
        worker.wait_for_output("Worker process is ready", 90)
        answers = press_all(tickets)
        accepted = {user for user, answer in answers.items() if answer == "accepted"}
        counts = Counter(answers.values())
        assert len(accepted) == 150 and set(counts) == {"accepted", "sold_out"}, counts

        # SIGKILL the worker while it is placing orders: some placed, not all.
        placed = lambda: Order.objects.filter(token__startswith=f"flash-{sale.pk}-").count()  # noqa: E731
        wait_until(lambda: placed() >= 3, 60, "the worker never placed an order")
        worker.kill()
        assert placed() < len(accepted), "the worker drained everything before it was killed: nothing proven"

        worker = Child.manage("worker2", "rundramatiq", "--processes", "1", "--threads", "4", env=env, log_dir=tmp_path)
        worker.wait_for_output("Worker process is ready", 90)

        # The scheduler's minute tick asks for a drain while the queue holds presses; the killed drainer's
        # presses are taken over once they were idle for gate.STALE_MS.
        def drained() -> bool:
            services.reload_lost_gates()
            return placed() == len(accepted) and gate.queued(sale.pk) == 0

        wait_until(drained, 150, "every accepted press to become an order", worker)
    finally:
        worker.stop()
    assert_exactly_one_order_per_accepted_press(sale, accepted, stock_before)


def test_a_redis_restart_during_a_sale_loses_no_reservation_and_never_oversells(tmp_path):
    server = EmbeddedRedis(data_dir=tmp_path / "redis").start()
    url = server.url
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}  # the suite's cache, on this server
    try:
        with override_settings(REDIS_URL=url, CACHES=caches):
            sale = make_sale(quantity=60, stock=100)
            stock_before = sale.sku.stock
            services.start_sale(sale.pk)
            tickets = tickets_for(sale, 100)

            first = press_all(tickets[:40])
            accepted = {user for user, answer in first.items() if answer == "accepted"}
            assert len(accepted) == 40 and gate.queued(sale.pk) == 40, Counter(first.values())

            server.stop()  # SIGTERM: redis-server writes its append-only file and goes
            down = press_all(tickets[40:50])
            assert set(down.values()) == {"redis_down"}  # refused (the route hands these to Django: 503)
            server = EmbeddedRedis(port=server.port, data_dir=tmp_path / "redis").start()

            # Nothing lost: the gate, every shopper's hold and the queue came back from the append-only file.
            assert gate.is_loaded(sale.pk) and gate.left(sale.pk) == 20 and gate.queued(sale.pk) == 40
            again = press_all(tickets[:10])  # the first shoppers again: their limit still holds
            assert set(again.values()) == {"limit"}
            rest = press_all(tickets[40:])
            accepted |= {user for user, answer in rest.items() if answer == "accepted"}
            assert len(accepted) == 60 and set(rest.values()) == {"accepted", "sold_out"}

            assert services.reload_lost_gates() == 0  # nothing to reload: the gate was never lost
            while gate.queued(sale.pk):
                services.drain_queue(sale.pk, max_seconds=10)
            assert_exactly_one_order_per_accepted_press(sale, accepted, stock_before)
    finally:
        server.stop()
        from django.core.cache import caches as cache_handler

        cache_handler.close_all()
