"""Flash-sale benchmark (issue 17): 2,000 shoppers press 抢购 at the same moment against one Daphne process.

A production-settings shop (bench.harness.production_shop: a throw-away PostgreSQL database, its own Redis,
Daphne) plus one Dramatiq worker process (the Procfile's `worker` line). Every shopper is a distinct logged-in
session with its own client address (X-Forwarded-For through TRUSTED_PROXIES=127.0.0.1) and a CSRF token.
Client threads with keep-alive connections fire every shopper's POST /flash/<id>/press/ as soon as the sale
opens, then the script waits until every accepted shopper has an order. Prints:

- instant answers/s (all answers; and accepted ones), p50 and p99 of the instant answer;
- seconds from the opening until every accepted press is an order; orders == accepted; oversell (must be 0);
- bench/hot_sku.py's raw-SQL orders/s measured in the same run on the same PostgreSQL, and the ratio.

    .venv/bin/python bench/flash_sale.py [--shoppers 2000] [--quantity 500] [--concurrency 200]
                                         [--postgres postgres://postgres@127.0.0.1:5432/] [--skip-raw]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import DEFAULT_POSTGRES, production_shop  # noqa: E402

SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db.models import F
from django.utils import timezone
from commerce.accounts.models import Address
from commerce.catalog.models import SKU
from commerce.flashsales import services
from commerce.flashsales.models import FlashSale
N, QTY, OPEN_IN = {shoppers}, {quantity}, {open_in}
User = get_user_model()
users = User.objects.bulk_create([User(username=f"flash{{i:05d}}", password="!") for i in range(N)])
users = list(User.objects.filter(username__startswith="flash").order_by("pk"))
Address.objects.bulk_create([
    Address(user=u, title="家", receiver="张三", province_id=11, city_id=1101, district_id=110101,
            place="东长安街 1 号", mobile="13800138000") for u in users])
for u, a in zip(users, Address.objects.filter(user__in=users).order_by("user_id")):
    u.default_address_id = a.pk
User.objects.bulk_update(users, ["default_address"])
sku = SKU.objects.filter(is_launched=True).order_by("pk").first()
SKU.objects.filter(pk=sku.pk).update(stock=F("stock") + QTY)
sku.refresh_from_db()
stock0 = sku.stock
now = timezone.now()
sale = FlashSale.objects.create(name="bench", sku=sku, sale_price=min(sku.price, Decimal("1.00")), quantity=QTY,
    per_user_limit=1, starts_at=now + timedelta(seconds=OPEN_IN), ends_at=now + timedelta(hours=1))
services.start_sale(sale.pk)
sessions, tickets = [], []
for u in users:
    s = SessionStore()
    s[SESSION_KEY] = str(u.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = u.get_session_auth_hash()
    s.create()
    sessions.append(s.session_key)
    # What the sale page (or the product page) renders for this shopper: the lean route's signed ticket.
    tickets.append(services.issue_ticket(sale_id=sale.pk, user=u, session_key=s.session_key))
print(json.dumps({{"sale": sale.pk, "sku": sku.pk, "stock0": stock0, "opens": sale.starts_at.timestamp(),
                  "sessions": sessions, "tickets": tickets}}))
"""

STATE_SQL = {
    "queued": "SELECT count(*) FROM flashsales_flashentry WHERE sale_id = %(sale)s AND status = 'queued'",
    "failed": "SELECT count(*) FROM flashsales_flashentry WHERE sale_id = %(sale)s AND status = 'failed'",
    "orders": "SELECT count(*) FROM orders_order WHERE token LIKE %(token)s",
    "order_users": "SELECT count(DISTINCT user_id) FROM orders_order WHERE token LIKE %(token)s",
    "sold": "SELECT sold FROM flashsales_flashsale WHERE id = %(sale)s",
    "reserved": "SELECT reserved FROM flashsales_flashsale WHERE id = %(sale)s",
    "quantity": "SELECT quantity FROM flashsales_flashsale WHERE id = %(sale)s",
    "stock": "SELECT stock FROM catalog_sku WHERE id = %(sku)s",
}


def read_state(conn, sale_id: int, sku_id: int) -> dict[str, int]:
    params = {"sale": sale_id, "sku": sku_id, "token": f"flash-{sale_id}-%"}
    return {name: conn.execute(sql, params).fetchone()[0] for name, sql in STATE_SQL.items()}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def press_all(
    shop, sale_id: int, sessions: list[tuple[str, str]], opens: float, concurrency: int
) -> list[tuple[int, str, float]]:
    """Every (session, ticket) presses once (split over `concurrency` keep-alive connections); [(status, code, ms)].

    Each shopper sends what the sale page's script sends: the CSRF header, a fresh request id, the page's
    ticket (an empty ticket makes every press take Django's own view: `--no-ticket`)."""
    results: list[tuple[int, str, float]] = []
    lock = threading.Lock()
    shares = [sessions[i::concurrency] for i in range(concurrency)]
    path = f"/flash/{sale_id}/press/"

    def client(index: int, share: list[str]) -> None:
        conn = http.client.HTTPConnection(shop.host, shop.port, timeout=30)
        conn.connect()
        mine = []
        while time.time() < opens:
            time.sleep(0.001)
        for n, (session, ticket) in enumerate(share):
            csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked secret, cookie and header agree
            body = f"request_id={secrets.token_hex(8)}&ticket={ticket}"
            headers = {
                "Host": "127.0.0.1",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "X-Forwarded-For": f"10.{index % 250}.{n % 250}.{(index * 7 + n) % 250 + 1}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "X-Forwarded-Proto": "https",
                "Referer": "https://127.0.0.1/flash/",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
                code = json.loads(payload).get("code", "accepted") if status != 202 else "accepted"
            except (OSError, http.client.HTTPException, ValueError) as error:
                conn.close()
                conn = http.client.HTTPConnection(shop.host, shop.port, timeout=30)
                status, code = 0, f"error:{type(error).__name__}"
            mine.append((status, code, (time.perf_counter() - started) * 1000))
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i, share)) for i, share in enumerate(shares) if share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def cpu_ms(pid: int) -> float:
    """User + system CPU of process `pid` so far, in milliseconds (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def tree_cpu_ms(pid: int) -> float:
    """CPU of `pid` and its live children (rundramatiq forks its worker processes)."""
    total = cpu_ms(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(OSError):
            total += tree_cpu_ms(int(child))
    return total


def raw_sql_rate(database_url: str, seconds: float) -> float | None:
    """bench/hot_sku.py --phases raw on the same server: its raw-SQL orders/s."""
    run = subprocess.run(
        [sys.executable, "bench/hot_sku.py", "--phases", "raw", "--seconds", str(seconds), "--buyers", "16", "--fresh"],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    match = re.search(r"raw SQL\s+([\d.]+) orders/s", run.stdout)
    if not match:
        print(run.stdout[-2000:], run.stderr[-2000:])
        return None
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--quantity", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--raw-seconds", type=float, default=5.0)
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--no-ticket", action="store_true", help="no page ticket: every press through Django's view")
    parser.add_argument("--threads", type=int, default=4, help="the worker's threads (the Procfile's worker: 4)")
    parser.add_argument("--open-in", type=int, default=90, help="seconds from setup to the opening (covers the setup)")
    args = parser.parse_args()

    raw = None
    if not args.skip_raw:
        raw = raw_sql_rate(args.postgres.rstrip("/") + "/meihao_flash_rawbench", args.raw_seconds)
        print(f"hot_sku.py raw SQL on this machine: {raw} orders/s")

    extra = {"TRUSTED_PROXIES": "127.0.0.1", "FLASH_BENCH": "1"}
    with production_shop(extra, postgres=args.postgres) as shop:
        setup = shop.query(SETUP.format(shoppers=args.shoppers, quantity=args.quantity, open_in=args.open_in))
        sale_id, opens = setup["sale"], setup["opens"]
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", str(args.threads)],
            cwd=BASE_DIR,
            env=shop.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait = opens - time.time()
            print(
                f"{args.shoppers} shoppers, {args.quantity} units, {args.concurrency} connections;"
                f" the sale opens in {wait:.1f} s"
            )
            if wait < 1:
                sys.exit("setup took longer than the countdown: raise open_in")
            began = time.time()
            tickets = [""] * len(setup["sessions"]) if args.no_ticket else setup["tickets"]
            web_cpu0 = cpu_ms(shop.pid)
            worker_cpu0 = tree_cpu_ms(worker.pid)
            pairs = list(zip(setup["sessions"], tickets, strict=True))
            results = press_all(shop, sale_id, pairs, opens, args.concurrency)
            burst = max(time.time() - max(began, opens), 1e-9)
            web_cpu = cpu_ms(shop.pid) - web_cpu0
            codes: dict[str, int] = {}
            for _status, code, _ms in results:
                codes[code] = codes.get(code, 0) + 1
            accepted = codes.get("accepted", 0)
            latencies = [ms for _s, _c, ms in results]
            rate = len(results) / burst
            print(f"answers: {dict(sorted(codes.items()))}")
            print(
                f"instant answers/s {rate:8.1f}   accepted answers/s {accepted / burst:8.1f}   "
                f"p50 {pct(latencies, 50):6.1f} ms   p99 {pct(latencies, 99):6.1f} ms   "
                f"mean {statistics.fmean(latencies):6.1f} ms   (burst {burst:.2f} s)"
            )
            per_answer = web_cpu / max(len(results), 1)
            print(
                f"Daphne CPU {web_cpu / 1000:.2f} s for {len(results)} answers = {per_answer:.2f} ms CPU per answer"
                f" (one process's CPU-bound ceiling: {1000 / max(per_answer, 1e-9):.0f} answers/s);"
                f" load average {os.getloadavg()[0]:.1f}"
            )
            import psycopg

            with psycopg.connect(shop.env["DATABASE_URL"], autocommit=True) as conn:
                deadline = time.time() + 120
                state = read_state(conn, sale_id, setup["sku"])
                while state["queued"] and time.time() < deadline:
                    time.sleep(0.1)
                    state = read_state(conn, sale_id, setup["sku"])
                all_in = time.time() - opens
            worker_cpu = tree_cpu_ms(worker.pid) - worker_cpu0
            print(f"all orders exist {all_in:.1f} s after the opening")
            print(
                f"worker CPU {worker_cpu / 1000:.2f} s for {state['orders']} orders ="
                f" {worker_cpu / max(state['orders'], 1):.1f} ms CPU per order (the worker's processes)"
            )
            oversell = max(0, state["orders"] - state["quantity"]) + max(0, -state["stock"])
            print(
                f"orders {state['orders']} == accepted {accepted}: {state['orders'] == accepted}   "
                f"one per shopper: {state['order_users'] == state['orders']}   sold {state['sold']}/"
                f"{state['reserved']} reserved   failed {state['failed']}   SKU stock {state['stock']}   "
                f"oversell {oversell}"
            )
            if raw:
                print(f"instant answers/s / raw SQL orders/s = {rate / raw:.1f}  (target >= 10)")
        finally:
            worker.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=20)


if __name__ == "__main__":
    main()
