"""Hot-SKU benchmark (issue 4): many buyers hammer one SKU on PostgreSQL.

Three measurements in one run, each for a fixed time with the same number of concurrent buyers (processes,
each with its own database connection):

1. raw SQL    - the bare transaction shape: INSERT order, conditional UPDATE of the SKU's stock, INSERT line;
2. service    - `commerce.orders.services.place_order` (token, cart read, checks, snapshots, stock, after-commit
                cart removal, stock push and timeout message), i.e. what the shop really does per order;
3. HTTP       - Daphne serving POST /orders/place/ on 127.0.0.1, driven by a bounded client loop.

Then a drain: buyers race for the last `--drain-stock` units of a fresh SKU until it is sold out; exactly
that many must sell. Prints orders/s, p50/p99 latency, oversell count and errors, and service/raw ratio.

    .venv/bin/python bench/hot_sku.py [--buyers 32] [--seconds 10] [--rounds 1] [--database-url postgres://...]
                                      [--phases raw,service,drain,http] [--fresh]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_redis import EmbeddedRedis, _free_port  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/meihao_bench"
MAX_ORDERS_PER_BUYER = 1_000_000  # loops are bounded in count as well as in time


# --- Results ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    orders: int = 0
    sold_out: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.orders += other.orders
        self.sold_out += other.sold_out
        self.errors += other.errors
        self.error_samples += other.error_samples[: max(0, 3 - len(self.error_samples))]
        self.latencies_ms += other.latencies_ms


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


# --- Setup -------------------------------------------------------------------------------------------------------


def ensure_database(url: str, *, fresh: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare_data(buyers: int, *, stock: int, price: Decimal):
    """A fresh hot SKU and `buyers` shoppers with an address each; returns (sku_id, [(user_id, address_id)])."""
    from commerce.accounts.models import Address, Area, User
    from commerce.cart.storage import RedisCart
    from tests.factories import SKUFactory

    district = Area.objects.filter(parent__parent__isnull=False).select_related("parent__parent").first()
    if district is None:
        from commerce.accounts.areas import load_areas

        load_areas()
        district = Area.objects.filter(parent__parent__isnull=False).select_related("parent__parent").first()
    sku = SKUFactory(name=f"爆款 {secrets.token_hex(3)}", stock=stock, price=price)
    people = []
    for i in range(buyers):
        user, _ = User.objects.get_or_create(username=f"bench-buyer-{i:03d}")
        address = Address.objects.filter(user=user, is_deleted=False).first() or Address.objects.create(
            user=user,
            title="家",
            receiver=f"买家{i}",
            province=district.parent.parent,
            city=district.parent,
            district=district,
            place="测试路 1 号",
            mobile="13800000000",
        )
        people.append((user.pk, address.pk))
        cart = RedisCart(user.pk)  # start each phase with an empty cart (a drained SKU may be left in it)
        cart.redis.delete(cart.key, cart.selected_key)
    return sku.pk, people


def release_connections() -> None:
    """Close this process's connections and its connection pool before forking buyers.

    A psycopg pool (DATABASE_POOL, on by default) kept open across fork() would hand the parent's pooled
    connection, one socket, to every child at once: the children then interleave on one PostgreSQL session
    and hang. Each child opens its own pool instead.
    """
    from django.db import connections

    connections.close_all()
    for conn in connections.all(initialized_only=True):
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()


# --- Buyers (run in forked processes) ----------------------------------------------------------------------------


def _until(start_at: float) -> None:
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def raw_buyer(args) -> Outcome:
    """The bare transaction shape with psycopg: insert order, conditional stock update, insert line."""
    import psycopg

    index, url, sku_id, user_id, address_id, start_at, seconds = args
    outcome = Outcome()
    with psycopg.connect(url) as conn:
        _until(start_at)
        stop_at = start_at + seconds
        for n in range(MAX_ORDERS_PER_BUYER):
            if time.time() >= stop_at:
                break
            order_id = f"9{index:04d}{os.getpid():07d}{n:010d}"
            started = time.perf_counter()
            try:
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO orders_order (order_id, user_id, address_id, receiver, full_address, mobile,"
                        " total_count, total_amount, freight, discount, points_used, points_amount, pay_amount,"
                        " pay_method, status, token, cancel_reason, carrier, tracking_no, created_at, updated_at)"
                        " VALUES (%s, %s, %s, 'r', 'a', '13800000000', 1, 100, 10, 0, 0, 0, 110, 'alipay', 'unpaid',"
                        " '', '', '', '', now(), now())",
                        (order_id, user_id, address_id),
                    )
                    taken = conn.execute(
                        "UPDATE catalog_sku SET stock = stock - 1, sales = sales + 1 WHERE id = %s AND stock >= 1",
                        (sku_id,),
                    ).rowcount
                    if taken != 1:
                        raise LookupError("sold out")
                    conn.execute(
                        "INSERT INTO orders_orderline (order_id, sku_id, sku_name, price, count, is_commented)"
                        " VALUES (%s, %s, 'x', 100, 1, false)",
                        (order_id, sku_id),
                    )
            except LookupError:
                outcome.sold_out += 1
                continue
            except psycopg.Error as error:
                outcome.errors += 1
                outcome.error_samples.append(repr(error)[:200])
                continue
            outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
            outcome.orders += 1
    return outcome


def refill(cart, sku_id: int, user_id: int) -> str:
    """Put one unit back in the buyer's cart, selected, and issue a checkout token: what the cart page and the
    checkout page do before a real submit. One Redis round trip, so the harness's own work weighs little on
    the measured rate (the raw phase has no such step)."""
    from commerce.orders import tokens

    pipe = cart.redis.pipeline(transaction=False)
    pipe.hset(cart.key, sku_id, 1)
    pipe.sadd(cart.selected_key, sku_id)
    token = tokens.queue_issue_token(pipe, user_id=user_id)
    pipe.execute()
    return token


def service_buyer(args) -> Outcome:
    """place_order() through the shop's own service, cart and token included."""
    from django.contrib.auth import get_user_model

    from commerce.cart.storage import RedisCart
    from commerce.errors import CommerceError
    from commerce.orders.errors import InsufficientStock
    from commerce.orders.models import PayMethod
    from commerce.orders.services import place_order

    _index, sku_id, user_id, address_id, start_at, seconds, *rest = args
    stop_when_sold_out = bool(rest and rest[0])
    user = get_user_model().objects.get(pk=user_id)
    cart = RedisCart(user_id)
    outcome = Outcome()
    _until(start_at)
    stop_at = start_at + seconds
    for _ in range(MAX_ORDERS_PER_BUYER):
        if time.time() >= stop_at:
            break
        token = refill(cart, sku_id, user_id)
        started = time.perf_counter()
        try:
            place_order(user=user, address_id=address_id, pay_method=PayMethod.ALIPAY, token=token)
        except InsufficientStock:
            outcome.sold_out += 1
            if stop_when_sold_out:
                break
            continue
        except (CommerceError, Exception) as error:  # noqa: BLE001 - a benchmark counts every failure
            outcome.errors += 1
            outcome.error_samples.append(repr(error)[:200])
            continue
        outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        outcome.orders += 1
    release_connections()
    return outcome


def run_processes(fn, arg_list) -> tuple[Outcome, float]:
    release_connections()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(arg_list)) as pool:
        started = time.time()
        results = pool.map(fn, arg_list, chunksize=1)
        elapsed = time.time() - started
    total = Outcome()
    for result in results:
        total.add(result)
    return total, elapsed


def sku_state(sku_id: int) -> tuple[int, int]:
    from commerce.catalog.models import SKU

    return SKU.objects.filter(pk=sku_id).values_list("stock", "sales").get()


def sold_lines(sku_id: int) -> int:
    from django.db.models import Sum

    from commerce.orders.models import OrderLine

    return OrderLine.objects.filter(sku_id=sku_id).aggregate(n=Sum("count"))["n"] or 0


# --- HTTP level ----------------------------------------------------------------------------------------------


def session_cookie_for(user_id: int) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore

    user = get_user_model().objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def http_level(env: dict, sku_id: int, people, *, seconds: float, concurrency: int) -> tuple[Outcome, float]:
    """Daphne serving the shop; `concurrency` client threads POST /orders/place/ in a bounded loop."""
    from commerce.cart.storage import RedisCart

    port = _free_port()
    server_log = open(Path(tempfile.gettempdir()) / "hot_sku_daphne.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            time.sleep(0.2)
        clients = people[:concurrency]
        sessions = [session_cookie_for(user_id) for user_id, _ in clients]
        csrf = secrets.token_hex(16)
        total = Outcome()
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def client(i: int) -> None:
            user_id, address_id = clients[i]
            cart = RedisCart(user_id)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine = Outcome()
            headers = {
                "Host": "127.0.0.1",
                "Cookie": f"sessionid={sessions[i]}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Accept": "application/json",
                "X-Requested-With": "XMLHttpRequest",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            for _ in range(MAX_ORDERS_PER_BUYER):
                if time.monotonic() >= stop_at:
                    break
                body = f"address_id={address_id}&pay_method=alipay&token={refill(cart, sku_id, user_id)}"
                started = time.perf_counter()
                try:
                    conn.request("POST", "/orders/place/", body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                except (OSError, http.client.HTTPException) as error:
                    mine.errors += 1
                    mine.error_samples.append(repr(error)[:200])
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                if response.status == 200:
                    mine.orders += 1
                    mine.latencies_ms.append((time.perf_counter() - started) * 1000)
                elif response.status == 409 and b"insufficient_stock" in payload:
                    mine.sold_out += 1
                else:
                    mine.errors += 1
                    mine.error_samples.append(f"{response.status} {payload[:160]!r}")
            with lock:
                total.add(mine)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return total, time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
        server_log.close()


# --- Main --------------------------------------------------------------------------------------------------------


def report(label: str, outcome: Outcome, elapsed: float, seconds: float) -> float:
    rate = outcome.orders / seconds if seconds else 0.0
    print(
        f"{label:<10} {rate:9.1f} orders/s   p50 {pct(outcome.latencies_ms, 50):7.2f} ms   "
        f"p99 {pct(outcome.latencies_ms, 99):7.2f} ms   orders={outcome.orders} sold_out={outcome.sold_out} "
        f"errors={outcome.errors}   (wall {elapsed:.1f} s)"
    )
    for sample in outcome.error_samples[:3]:
        print(f"           error sample: {sample}")
    return rate


def check_oversell(label: str, sku_id: int, stock0: int, sales0: int) -> int:
    stock, sales = sku_state(sku_id)
    sold = sold_lines(sku_id)
    oversell = (
        max(0, sold - stock0) + (1 if stock < 0 else 0) + abs((stock0 - stock) - sold) + abs((sales - sales0) - sold)
    )
    print(
        f"{'':<10} {label}: stock {stock0} -> {stock}, sales +{sales - sales0}, lines sold {sold}, oversell {oversell}"
    )
    return oversell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stock", type=int, default=10_000_000)
    parser.add_argument("--drain-stock", type=int, default=100)
    parser.add_argument("--http-concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--phases", default="raw,service,drain,http", help="comma-separated subset to run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the raw and service phases this many times (on a shared machine the load changes from"
        " one phase to the next; the mean of alternating rounds compares them under the same conditions)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("hot_sku.py measures PostgreSQL: pass a postgres:// DATABASE_URL")

    redis = EmbeddedRedis().start()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis.url,
        "LOG_LEVEL": "ERROR",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    try:
        ensure_database(args.database_url, fresh=args.fresh)
        setup_django(env)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        print(f"hot SKU bench: {args.buyers} buyers (processes), {args.seconds:.0f} s per phase, {args.database_url}")

        phases = set(args.phases.split(","))
        raw_rates: list[float] = []
        service_rates: list[float] = []
        oversell = 0
        for round_no in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"round {round_no}/{args.rounds}")
            if "raw" in phases:
                rate, extra = phase_raw(args)
                raw_rates.append(rate)
                oversell += extra
            if "service" in phases:
                rate, extra = phase_service(args)
                service_rates.append(rate)
                oversell += extra
            if raw_rates and service_rates:
                print(f"{'':<10} service / raw = {service_rates[-1] / raw_rates[-1]:.2f}  (target >= 0.5)")
        if args.rounds > 1 and raw_rates and service_rates:
            raw_mean, service_mean = sum(raw_rates) / len(raw_rates), sum(service_rates) / len(service_rates)
            ratios = sorted(s / r for s, r in zip(service_rates, raw_rates, strict=True) if r)
            print(
                f"{'all':<10} raw {raw_mean:.1f} orders/s, service {service_mean:.1f} orders/s"
                f" (mean of {args.rounds} rounds): service / raw = {service_mean / raw_mean:.2f};"
                f" per-round ratios {', '.join(f'{x:.2f}' for x in ratios)}, median {statistics.median(ratios):.2f}"
                "  (target >= 0.5)"
            )
        if "drain" in phases:
            oversell += phase_drain(args)
        if "http" in phases:
            oversell += phase_http(args, env)
        print(f"total oversell: {oversell}")
    finally:
        release_connections()
        redis.stop()


def phase_raw(args) -> tuple[float, int]:
    sku_id, people = prepare_data(args.buyers, stock=args.stock, price=Decimal("100.00"))
    stock0, sales0 = sku_state(sku_id)
    start_at = time.time() + 1.5
    raw, elapsed = run_processes(
        raw_buyer, [(i, args.database_url, sku_id, u, a, start_at, args.seconds) for i, (u, a) in enumerate(people)]
    )
    return report("raw SQL", raw, elapsed, args.seconds), check_oversell("raw", sku_id, stock0, sales0)


def phase_service(args) -> tuple[float, int]:
    sku_id, people = prepare_data(args.buyers, stock=args.stock, price=Decimal("100.00"))
    stock0, sales0 = sku_state(sku_id)
    start_at = time.time() + 1.5
    service, elapsed = run_processes(
        service_buyer, [(i, sku_id, u, a, start_at, args.seconds) for i, (u, a) in enumerate(people)]
    )
    return report("service", service, elapsed, args.seconds), check_oversell("service", sku_id, stock0, sales0)


def phase_drain(args) -> int:
    """The last units of a fresh SKU: buyers race until it is sold out; exactly that many must sell."""
    seconds = 60.0  # an upper bound: every buyer stops at its first "not enough stock"
    sku_id, people = prepare_data(args.buyers, stock=args.drain_stock, price=Decimal("100.00"))
    stock0, sales0 = sku_state(sku_id)
    start_at = time.time() + 1.5
    drain, elapsed = run_processes(
        service_buyer, [(i, sku_id, u, a, start_at, seconds, True) for i, (u, a) in enumerate(people)]
    )
    report("drain", drain, elapsed, elapsed - 1.5)
    oversell = check_oversell("drain", sku_id, stock0, sales0)
    print(f"{'':<10} drain sold {drain.orders} of the last {args.drain_stock} units ({drain.sold_out} refused)")
    return oversell


def phase_http(args, env: dict) -> int:
    sku_id, people = prepare_data(args.buyers, stock=args.stock, price=Decimal("100.00"))
    stock0, sales0 = sku_state(sku_id)
    release_connections()
    # Under ASGI every request runs in its own thread, so persistent connections (CONN_MAX_AGE > 0) pile up
    # until PostgreSQL refuses clients; Django's advice for ASGI is CONN_MAX_AGE=0 (or a pool).
    server_env = {**os.environ, **env, "DATABASE_CONN_MAX_AGE": os.environ.get("BENCH_HTTP_CONN_MAX_AGE", "0")}
    over_http, elapsed = http_level(server_env, sku_id, people, seconds=args.seconds, concurrency=args.http_concurrency)
    report("HTTP", over_http, elapsed, args.seconds)
    print(f"{'':<10} HTTP: one Daphne process, {args.http_concurrency} keep-alive clients on 127.0.0.1")
    return check_oversell("http", sku_id, stock0, sales0)


if __name__ == "__main__":
    main()
