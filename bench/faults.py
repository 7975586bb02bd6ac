"""Faults harness (SPEC H, issue #9): every delayed job survives a worker SIGKILL and a Redis restart.

Starts a redis-server of its own (append-only file on), the web process (the sandbox gateway), two workers
and the scheduler with local settings, then runs two rounds:

1. **worker SIGKILL**: places unpaid orders (their timeouts due ORDER_TIMEOUT s later), pays trades in the
   sandbox whose trade query or notify delivery is due DELAY s later, has an operator cancel paid orders
   (refunds), then SIGKILLs one worker's whole process group while it holds delayed messages in memory and
   starts it again (like a supervisor would).
2. **Redis restart**: the same kinds of jobs, then redis-server is stopped and started again on the same port
   and data; operator refunds are requested while it is down (their messages cannot even be sent).

Then it waits until every job is done and checks each happened exactly once: orders cancelled once (stock
back exactly), one payment per order, one refund per payment and the sandbox refunded each trade once; no
stock push left overdue. Prints n, median and max delay from due to done per round and kind, and a JSON line.

    .venv/bin/python bench/faults.py                      # fresh SQLite database, default tick (15 s)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meihao_faults_bench .venv/bin/python bench/faults.py --fresh
    .venv/bin/python bench/faults.py --orders 12 --tick 5 # what tests/tasks/test_faults.py runs

Exit code 0 when nothing was lost or doubled and every job was done within the limit (default 90 s).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_redis import EmbeddedRedis, _free_port  # noqa: E402


class Proc:
    """A child process in its own process group, output to a log file."""

    def __init__(self, name: str, args: list[str], env: dict, logs: Path) -> None:
        self.name, self.args, self.env, self.logs = name, args, env, logs
        self.start()

    def start(self) -> None:
        self.out = open(self.logs / f"{self.name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.args, cwd=BASE_DIR, env=self.env, stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return (self.logs / f"{self.name}.log").read_text(errors="replace")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.out.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.out.close()


def wait(predicate, seconds: float, what: str, *procs: Proc):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    tails = "\n".join(f"--- {p.name}\n{p.output()[-2500:]}" for p in procs)
    raise RuntimeError(f"timed out after {seconds} s waiting for {what}\n{tails}")


@dataclass
class Round:
    label: str
    timeouts: list[str] = field(default_factory=list)  # order ids that must be cancelled by the timeout
    queries: list[tuple[str, datetime]] = field(default_factory=list)  # (order id, due)
    notifies: list[tuple[str, datetime]] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)  # order ids refunded by an operator


# --- the shop side, in this process ----------------------------------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(people: int, stock: int):
    from commerce.accounts.models import Address, Area, User
    from tests.factories import SKUFactory

    province, _ = Area.objects.get_or_create(id=11, defaults={"name": "北京市"})
    city, _ = Area.objects.get_or_create(id=1101, defaults={"name": "市辖区", "parent": province})
    district, _ = Area.objects.get_or_create(id=110101, defaults={"name": "东城区", "parent": city})
    skus = {kind: SKUFactory(name=f"故障演练 {kind}", stock=stock, price=Decimal("20.00")).pk for kind in KINDS}
    buyers = []
    for i in range(people):
        user, _ = User.objects.get_or_create(username=f"faults-buyer-{i:03d}")
        address = Address.objects.create(
            user=user,
            title="家",
            receiver=f"买家{i}",
            province=province,
            city=city,
            district=district,
            place="演练路 1 号",
            mobile="13800000000",
        )
        buyers.append((user, address.pk))
    return skus, buyers


KINDS = ("timeout", "query", "notify", "refund")


def place(buyer, sku_id: int):
    from commerce.cart.storage import RedisCart
    from commerce.orders import tokens
    from commerce.orders.models import PayMethod
    from commerce.orders.services import place_order

    user, address_id = buyer
    cart = RedisCart(user.pk)
    cart.redis.delete(cart.key, cart.selected_key)
    cart.redis.hset(cart.key, sku_id, 1)
    cart.redis.sadd(cart.selected_key, sku_id)
    token = tokens.issue_token(user_id=user.pk)
    return place_order(user=user, address_id=address_id, pay_method=PayMethod.ALIPAY, token=token)


def sandbox_pay(order, notify_url: str = "") -> dict:
    from django.conf import settings

    from commerce.payments.sandbox import store

    trade, _ = store.pay_trade(
        app_id=settings.ALIPAY_SANDBOX_APP_ID,
        out_trade_no=order.order_id,
        subject="故障演练",
        total_amount=f"{order.pay_amount:.2f}",
        seller_id=settings.ALIPAY_SANDBOX_SELLER_ID,
        notify_url=notify_url,
        return_url="",
    )
    return trade


def settle(order, trade: dict) -> None:
    from commerce.payments import services

    outcome = services.settle_trade(
        services.Trade(order_id=order.order_id, trade_no=trade["trade_no"], amount=order.pay_amount),
        source="notify",
    )
    assert outcome is services.Outcome.PAID, outcome


def load_round(rnd: Round, skus, buyers, *, orders: int, others: int, delay: int, web_url: str) -> list:
    """Place this round's orders and arm its jobs; returns the paid orders an operator will refund."""
    from django.conf import settings
    from django.utils import timezone

    from tasks import durable

    people = iter(buyers)
    for _ in range(orders):
        rnd.timeouts.append(place(next(people), skus["timeout"]).order_id)
    for _ in range(others):
        order = place(next(people), skus["query"])
        sandbox_pay(order)  # paid, but neither notify nor return: only the (delayed) trade query settles it
        due = timezone.now() + timedelta(seconds=delay)
        durable.schedule(
            "query_alipay_payment_task", order.order_id, key=f"payments.query:{order.order_id}", delay_seconds=delay
        )
        rnd.queries.append((order.order_id, due))
    for _ in range(others):
        order = place(next(people), skus["notify"])
        sandbox_pay(order, notify_url=f"{web_url}/payment/alipay/notify/")
        due = timezone.now() + timedelta(seconds=delay)
        app = settings.ALIPAY_SANDBOX_APP_ID
        durable.schedule(
            "deliver_sandbox_notify_task",
            app,
            order.order_id,
            key=f"sandbox.notify:{app}:{order.order_id}",
            delay_seconds=delay,
        )
        rnd.notifies.append((order.order_id, due))
    paid = []
    for _ in range(others):
        order = place(next(people), skus["refund"])
        settle(order, sandbox_pay(order))
        paid.append(order)
    return paid


def refund(rnd: Round, paid: list) -> None:
    from commerce.payments import services

    for order in paid:
        services.refund_order(order_id=order.order_id, reason="故障演练：运营取消")
        rnd.refunds.append(order.order_id)


def progress(rnd: Round) -> dict[str, list[float | None]]:
    """Delay (s) from due to done per kind; None while not done."""
    from django.conf import settings

    from commerce.orders.models import Order, OrderStatus
    from commerce.payments.models import Payment, Refund, RefundStatus

    timeout = timedelta(seconds=int(settings.ORDER_UNPAID_TIMEOUT_SECONDS))
    delays: dict[str, list[float | None]] = {}
    orders = {o.order_id: o for o in Order.objects.filter(order_id__in=rnd.timeouts)}
    delays["order timeout"] = [
        (o.canceled_at - (o.created_at + timeout)).total_seconds() if o.status == OrderStatus.CANCELED else None
        for o in orders.values()
    ]
    for kind, jobs in (("trade query", rnd.queries), ("notify delivery", rnd.notifies)):
        payments = {p.order_id: p for p in Payment.objects.filter(order_id__in=[o for o, _ in jobs])}
        delays[kind] = [(payments[o].created_at - due).total_seconds() if o in payments else None for o, due in jobs]
    refunds = {r.order_id: r for r in Refund.objects.filter(order_id__in=rnd.refunds)}
    delays["refund"] = [
        (r.finished_at - r.created_at).total_seconds()
        if (r := refunds.get(o)) is not None and r.status == RefundStatus.SUCCEEDED
        else None
        for o in rnd.refunds
    ]
    return delays


def exactly_once(rounds: list[Round], skus: dict, stock: int) -> dict[str, int]:
    """Counts of anything lost or doubled (all must be 0)."""
    from django.conf import settings
    from django_redis import get_redis_connection

    from commerce.catalog.models import SKU
    from commerce.catalog.stock import DUE_KEY
    from commerce.orders.models import Order, OrderStatus
    from commerce.payments.models import Payment, PaymentSource, Refund, RefundStatus
    from commerce.payments.sandbox import store

    problems = {"orders lost": 0, "timeouts not once": 0, "payments not once": 0, "refunds not once": 0}
    placed = [o for r in rounds for o in r.timeouts + [q for q, _ in r.queries + r.notifies] + r.refunds]
    problems["orders lost"] = len(placed) - Order.objects.filter(order_id__in=placed).count()
    # Timeouts: each cancelled, and the stock of the timeout SKU is back exactly (a second give-back shows).
    timeouts = [o for r in rounds for o in r.timeouts]
    problems["timeouts not once"] = Order.objects.filter(order_id__in=timeouts).exclude(
        status=OrderStatus.CANCELED
    ).count() + abs(SKU.objects.get(pk=skus["timeout"]).stock - stock)
    for r in rounds:
        for order_id, _ in r.queries:
            found = list(Payment.objects.filter(order_id=order_id).values_list("source", flat=True))
            problems["payments not once"] += found != [PaymentSource.QUERY]
        for order_id, _ in r.notifies:
            found = list(Payment.objects.filter(order_id=order_id).values_list("source", flat=True))
            problems["payments not once"] += found != [PaymentSource.NOTIFY]
        for order_id in r.refunds:
            refunds = list(Refund.objects.filter(order_id=order_id))
            trade = store.get_trade(settings.ALIPAY_SANDBOX_APP_ID, order_id)
            once = (
                len(refunds) == 1
                and refunds[0].status == RefundStatus.SUCCEEDED
                and trade["refund_cents"] == trade["total_cents"]
            )
            problems["refunds not once"] += not once
    problems["refunds not once"] += abs(SKU.objects.get(pk=skus["refund"]).stock - stock)
    redis = get_redis_connection("default")
    seconds, micros = redis.time()
    overdue = int(seconds) * 1000 + int(micros) // 1000 - 10_000
    problems["stock pushes overdue"] = redis.zcount(DUE_KEY, "-inf", overdue)
    return problems


# --- the run ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=60, help="unpaid orders per round (timeouts)")
    parser.add_argument("--others", type=int, default=8, help="trade queries, notifies and refunds per round")
    parser.add_argument("--order-timeout", type=int, default=40, help="ORDER_UNPAID_TIMEOUT_SECONDS")
    parser.add_argument("--delay", type=int, default=10, help="seconds until the queries and notifies are due")
    parser.add_argument("--tick", type=int, default=15, help="DURABLE_DISPATCH_SECONDS")
    parser.add_argument("--limit", type=float, default=90, help="max seconds from due to done")
    parser.add_argument("--fresh", action="store_true", help="create (drop first) the DATABASE_URL database")
    parser.add_argument("--no-release", action="store_true", help="the database is already migrated")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="meihao-faults-"))
    logs = workdir / "logs"
    logs.mkdir()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'faults.sqlite3'}"
    if args.fresh and database_url.startswith("postgres"):
        _fresh_postgres(database_url)
    redis = EmbeddedRedis(data_dir=workdir / "redis").start()
    port = _free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "REDIS_URL": redis.url,
        "PORT": str(port),
        "ALIPAY_SANDBOX_SITE_URL": web_url,
        "ORDER_UNPAID_TIMEOUT_SECONDS": str(args.order_timeout),
        "DURABLE_DISPATCH_SECONDS": str(args.tick),
        "STATIC_PAGES_ROOT": str(workdir / "static_pages"),
        "WHOOSH_INDEX_PATH": str(workdir / "whoosh"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    procs: list[Proc] = []
    manage = [sys.executable, "manage.py"]
    try:
        if not args.no_release:
            subprocess.run([*manage, "release"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
        setup_django(env)
        web = Proc("web", [sys.executable, "-m", "daphne", "-p", str(port), "config.asgi:application"], env, logs)
        workers = [
            Proc(f"worker-{i}", [*manage, "rundramatiq", "--processes", "1", "--threads", "4"], env, logs)
            for i in (1, 2)
        ]
        scheduler = Proc("scheduler", [*manage, "scheduler"], env, logs)
        procs = [web, *workers, scheduler]
        for worker in workers:
            wait(lambda w=worker: "Worker process is ready for action." in w.output(), 90, "the worker", worker)
        wait(lambda: "leader: took the lock" in scheduler.output(), 60, "the scheduler", scheduler)

        stock = 10_000
        skus, buyers = prepare(2 * (args.orders + 3 * args.others), stock)
        half = len(buyers) // 2
        rounds = [Round("worker SIGKILL"), Round("Redis restart")]

        # Round 1: the worker holding delayed messages dies without cleanup, and comes back.
        paid = load_round(
            rounds[0], skus, buyers[:half], orders=args.orders, others=args.others, delay=args.delay, web_url=web_url
        )
        refund(rounds[0], paid)
        time.sleep(3)  # let the workers fetch the delayed messages into memory
        workers[0].kill()
        print(f"==> SIGKILLed {workers[0].name}", flush=True)
        time.sleep(2)
        workers[0].start()
        _finish(rounds[0], args, procs)

        # Round 2: Redis stops and starts again (same port, same append-only file); refunds asked meanwhile.
        paid = load_round(
            rounds[1], skus, buyers[half:], orders=args.orders, others=args.others, delay=args.delay, web_url=web_url
        )
        time.sleep(3)
        redis.process.terminate()
        redis.process.wait(30)
        print("==> redis-server stopped", flush=True)
        refund(rounds[1], paid)  # committed to the database; their messages cannot be sent
        time.sleep(3)
        redis = EmbeddedRedis(port=redis.port, data_dir=redis.dir).start()
        print("==> redis-server started again", flush=True)
        _finish(rounds[1], args, procs)

        problems = exactly_once(rounds, skus, stock)
        report = {"tick_seconds": args.tick, "rounds": {}, "problems": problems}
        ok = not any(problems.values())
        for rnd in rounds:
            report["rounds"][rnd.label] = {}
            for kind, delays in progress(rnd).items():
                done = [d for d in delays if d is not None]
                figures = {
                    "n": len(delays),
                    "done": len(done),
                    "median_s": round(statistics.median(done), 1) if done else None,
                    "max_s": round(max(done), 1) if done else None,
                }
                report["rounds"][rnd.label][kind] = figures
                ok = ok and len(done) == len(delays) and max(done, default=0) <= args.limit
                print(
                    f"{rnd.label:15} {kind:16} n={figures['n']:3} done={figures['done']:3} "
                    f"median={figures['median_s']} s max={figures['max_s']} s"
                )
        print("problems:", problems)
        print("FAULTS " + json.dumps(report, ensure_ascii=False), flush=True)
        return 0 if ok else 1
    finally:
        for proc in procs:
            proc.stop()
        redis.stop()
        if os.environ.get("FAULTS_KEEP_LOGS"):
            print(f"logs kept in {logs}")
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def _finish(rnd: Round, args, procs: list[Proc]) -> None:
    """Wait until every job of the round is done (or past any reasonable limit)."""
    horizon = args.order_timeout + args.limit + 30

    def all_done() -> bool:
        return all(d is not None for delays in progress(rnd).values() for d in delays)

    try:
        wait(all_done, horizon, f"every job of round {rnd.label!r}")
    except RuntimeError:
        print(f"==> round {rnd.label!r}: not everything done after {horizon} s", flush=True)


def _fresh_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
