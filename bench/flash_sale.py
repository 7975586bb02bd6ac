"""Flash-sale benchmark (issue 17): 2,000 shoppers press 抢购 at the same moment against one Daphne process.

A production-settings shop (bench.harness.production_shop: a throw-away PostgreSQL database, its own Redis,
Daphne started as the Procfile's `web` line) plus one Dramatiq worker process (the Procfile's `worker` line).
Every shopper is a distinct logged-in session with its own client address (X-Forwarded-For through
TRUSTED_PROXIES=127.0.0.1) and a CSRF token.
One asyncio process is the crowd: every shopper's request is built before the countdown, each shopper opens its
own keep-alive connection a few seconds before the opening (inside the server's 60 s idle timeout), and at the
opening every press is written at once; each press is timed from its own send until its whole answer is in the
shopper's socket (the kernel's receive stamp, SO_TIMESTAMPNS: what a shopper's own browser would see), and, for
comparison, until the crowd's one Python thread has read it (2,000 browsers do not share one thread: the last
answers of a burst wait for it to read the ones before). Then the script waits until every accepted shopper has
an order. Prints:

- instant answers/s (all answers; and accepted ones), p50 and p99 of the instant answer (and the same as the
  client thread read them), client errors;
- seconds from the opening until every accepted press is an order; orders == accepted; oversell (must be 0);
- bench/hot_sku.py's raw-SQL orders/s measured in the same run on the same PostgreSQL, and the ratio;
- the floor (bench/press_floor.py): the same crowd against one Twisted process that answers without reading, on
  this machine in the same run; the shop's p99 and CPU per answer are shown as the floor's plus the route's own.

    .venv/bin/python bench/flash_sale.py [--shoppers 2000] [--quantity 500] [--connections N]
                                         [--postgres postgres://postgres@127.0.0.1:5432/] [--skip-raw] [--skip-floor]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import socket
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import press_floor  # noqa: E402
from bench.harness import DEFAULT_POSTGRES, process_cpu_ms, production_shop, user_system_ms  # noqa: E402
from config import compiled  # noqa: E402

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


#: Linux's SO_TIMESTAMPNS (and its control message): the kernel stamps each segment with the wall-clock time it
#: reached the socket. Python's socket module does not name it; 35 on every Linux architecture.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class _Press:
    """One shopper's keep-alive connection: sends its presses one after the other, times each from its send.
    Like a browser's, it stays open after the last answer (until every shopper has had theirs).

    Each answer gets two times: when its last segment reached the client's socket (the kernel's stamp: what a
    shopper's own browser would see) and when this process got round to reading it (one Python thread reads all
    2,000 shoppers' answers, so a crowd's last answers wait for it to read the ones before)."""

    def __init__(self, sock: socket.socket, presses: list[bytes], done: asyncio.Future) -> None:
        self.sock = sock
        self.presses = presses
        self.done = done
        self.buffer = b""
        self.sent_at = 0.0
        #: (status, raw answer, sent at, arrived at, read at): wall-clock seconds
        self.results: list[tuple[int, bytes, float, float, float]] = []
        self.error = ""

    def send_next(self) -> None:
        if len(self.results) == len(self.presses):  # kept open, as a browser keeps it: closed after the burst
            self._finish()
            return
        self.buffer = b""
        press = self.presses[len(self.results)]
        self.sent_at = time.time()
        try:
            sent = self.sock.send(press)
        except OSError as error:
            self._fail(f"error:{type(error).__name__}")
            return
        if sent < len(press):  # the kernel's buffer is empty before a press: does not happen with ~700 bytes
            self._fail("error:short send")

    def readable(self) -> None:
        try:
            data, ancillary, _flags, _address = self.sock.recvmsg(65536, socket.CMSG_SPACE(_TIMESPEC.size))
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            self._fail(f"error:{type(error).__name__}")
            return
        read_at = time.time()
        if not data:
            self._fail("error:closed by the server")
            return
        arrived_at = read_at
        for level, kind, stamp in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = _TIMESPEC.unpack(stamp[: _TIMESPEC.size])
                arrived_at = seconds + nanoseconds / 1e9
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        length = _CONTENT_LENGTH.search(self.buffer, 0, head_end + 2)
        if len(self.buffer) < head_end + 4 + (int(length[1]) if length else 0):
            return
        self.results.append((int(self.buffer[9:12]), self.buffer, self.sent_at, arrived_at, read_at))
        self.send_next()

    def _fail(self, error: str) -> None:
        if len(self.results) < len(self.presses):
            self.error = error
        asyncio.get_running_loop().remove_reader(self.sock.fileno())
        self._finish()

    def _finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


#: Connections are opened this long before the opening: well inside the server's idle timeout (Twisted's HTTP
#: channel drops a keep-alive connection idle for 60 s), so none is closed before its first press.
CONNECT_LEAD_SECONDS = 40.0
#: Connection attempts in flight at once: the server's listen backlog (Twisted's default: 50) never overflows.
CONNECTING_AT_ONCE = 40


def evalsha_calls(redis) -> int:
    """EVALSHA commands the Redis server has run so far (the gate's Lua step, one per press put to it)."""
    return int(redis.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def build_presses(sale_id: int, pairs: list[tuple[str, str]]) -> list[bytes]:
    """Every shopper's request, built before the countdown: what the sale page's script sends (the CSRF header
    and cookie, a fresh request id, the page's ticket; an empty ticket makes the press take Django's view), from
    the shopper's own client address (X-Forwarded-For through TRUSTED_PROXIES)."""
    presses = []
    for n, (session, ticket) in enumerate(pairs):
        csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked secret, cookie and header agree
        body = f"request_id={secrets.token_hex(8)}&ticket={ticket}".encode()
        head = (
            f"POST /flash/{sale_id}/press/ HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            f"Cookie: sessionid={session}; csrftoken={csrf}\r\n"
            f"X-CSRFToken: {csrf}\r\n"
            f"X-Forwarded-For: 10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}\r\n"
            "X-Forwarded-Proto: https\r\n"
            "Referer: https://127.0.0.1/flash/\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Accept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        presses.append(head.encode() + body)
    return presses


@dataclass(frozen=True)
class Pressed:
    status: int  # 0: no answer (the connection failed)
    code: str  # accepted / sold_out / ... ("(django)" appended when Django's view answered), or error:<why>
    sent_at: float  # wall-clock seconds
    arrived_at: float  # the answer's last segment in the client's socket (the kernel's stamp)
    answered_at: float  # read by the bench's one client thread


def _code(status: int, raw: bytes) -> str:
    head, _, body = raw.partition(b"\r\n\r\n")
    lean = b"\r\nx-flash-route: lean" in head.lower()
    try:
        code = "accepted" if status == 202 else json.loads(body).get("code", str(status))
    except ValueError:
        code = f"http_{status}_page"  # Django's HTML error page (e.g. 503 while Redis is away)
    return code if lean else f"{code} (django)"


def press_all(
    host: str,
    port: int,
    presses: list[bytes],
    opens: float,
    connections: int,
    at_opening=lambda: None,
    at_last_answer=lambda: None,
) -> list[Pressed]:
    """Every press sent at the opening (wall clock `opens`) over `connections` keep-alive connections (one per
    shopper by default; fewer: each connection sends its share one after the other), from one asyncio process.
    `at_opening()` runs once the connections are open, just before the first press is sent; `at_last_answer()`
    once every press is answered, before the connections are closed."""
    return asyncio.run(_press_all(host, port, presses, opens, connections, at_opening, at_last_answer))


async def _press_all(host, port, presses, opens, connections, at_opening, at_last_answer) -> list[Pressed]:
    loop = asyncio.get_running_loop()
    shares = [share for share in (presses[i::connections] for i in range(connections)) if share]
    await asyncio.sleep(max(0.0, opens - CONNECT_LEAD_SECONDS - time.time()))
    at_once = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(share: list[bytes]) -> _Press:
        async with at_once:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await loop.sock_connect(sock, (host, port))
            except BaseException:
                sock.close()
                raise
            press = _Press(sock, share, loop.create_future())
            loop.add_reader(sock.fileno(), press.readable)
            return press

    began = time.time()
    protocols = await asyncio.gather(*(connect(share) for share in shares))
    print(
        f"{len(protocols)} connections open in {time.time() - began:.1f} s,"
        f" {opens - time.time():.1f} s before the opening"
    )
    if time.time() > opens:
        sys.exit(f"{len(shares)} connections took longer than {CONNECT_LEAD_SECONDS} s to open")
    await asyncio.sleep(max(0.0, opens - time.time()))
    at_opening()
    for protocol in protocols:
        protocol.send_next()
    await asyncio.wait_for(asyncio.gather(*(p.done for p in protocols)), timeout=300)
    at_last_answer()
    for protocol in protocols:
        loop.remove_reader(protocol.sock.fileno())
        protocol.sock.close()
    out = []
    for protocol in protocols:
        out += [Pressed(status, _code(status, raw), *times) for status, raw, *times in protocol.results]
        missing = len(protocol.presses) - len(protocol.results)
        out += [Pressed(0, protocol.error or "error:no answer", 0.0, 0.0, 0.0)] * missing
    return out


def tree_cpu_ms(pid: int) -> float:
    """CPU of `pid` and its live children (rundramatiq forks its worker processes)."""
    total = process_cpu_ms(pid)
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(OSError):
            total += tree_cpu_ms(int(child))
    return total


#: How long the worker may take to boot, and to finish the jobs the shop's setup queued (the catalogue's pages).
WORKER_BOOT_SECONDS = 120
WORKER_SETTLE_SECONDS = 600


def wait_until_idle(pid: int, *, quiet: float = 3.0, share: float = 0.2) -> tuple[float, float]:
    """(seconds waited, share of a core used over the last `quiet` seconds) once the process tree `pid` used less
    than `share` of a core for `quiet` seconds in a row (an idle Dramatiq worker polls its queues: a few %)."""
    began = time.time()
    samples = [(began, tree_cpu_ms(pid))]
    while time.time() < began + WORKER_SETTLE_SECONDS:
        time.sleep(0.25)
        samples.append((time.time(), tree_cpu_ms(pid)))
        window = [(at, ms) for at, ms in samples if at >= samples[-1][0] - quiet]
        (first, first_ms), (last, last_ms) = window[0], window[-1]
        used = (last_ms - first_ms) / ((last - first) * 1000)
        if last - first >= quiet * 0.9 and used < share:
            return time.time() - began, used
    sys.exit(f"the worker was still busy {WORKER_SETTLE_SECONDS} s after it was ready")


def hot_path() -> str:
    """Which build of the press's path the web process imports (config/compiled.py; `make compiled`)."""
    built = [source for source in compiled.MODULES if compiled.compiled_files(source)]
    old = compiled.stale()
    if old:
        sys.exit(f"compiled modules older than their source: {', '.join(old)}; run `make compiled`")
    if len(built) == len(compiled.MODULES):
        return f"the press's path: compiled with Cython ({len(built)} modules, config/compiled.py)"
    return f"the press's path: Python source ({len(built)} of {len(compiled.MODULES)} modules compiled; make compiled)"


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
    for line in run.stdout.splitlines():
        if line.startswith(("raw SQL", "           ")):
            print("  hot_sku.py:", line.strip())
    if not match or not float(match.group(1)):
        print(run.stdout[-2000:], run.stderr[-2000:])
        return None
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--quantity", type=int, default=500)
    parser.add_argument(
        "--connections", type=int, default=0, help="keep-alive connections (default: one per shopper, as browsers)"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--raw-seconds", type=float, default=5.0)
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--skip-floor", action="store_true", help="no floor phase (bench/press_floor.py)")
    parser.add_argument("--no-ticket", action="store_true", help="no page ticket: every press through Django's view")
    parser.add_argument("--worker-log", default="", help="where the worker's output goes (default: a temp file)")
    parser.add_argument("--threads", type=int, default=4, help="the worker's threads (the Procfile's worker: 4)")
    parser.add_argument("--open-in", type=int, default=90, help="seconds from setup to the opening (covers the setup)")
    parser.add_argument("--profile", default="", help="write Daphne's cProfile stats to this file (WEB_PROFILE)")
    args = parser.parse_args()

    print(hot_path())
    raw = None
    if not args.skip_raw:
        raw = raw_sql_rate(args.postgres.rstrip("/") + "/meihao_flash_rawbench", args.raw_seconds)
        print(f"hot_sku.py raw SQL on this machine: {raw} orders/s")
    floor = None
    if not args.skip_floor:  # this machine's speed, in the p99's own terms
        floor = press_floor.measure(press_floor.crowd(args.shoppers))
        print(floor.line())

    extra = {"TRUSTED_PROXIES": "127.0.0.1", "FLASH_BENCH": "1"}
    if args.profile:
        extra["WEB_PROFILE"] = str(Path(args.profile).resolve())  # Daphne writes its cProfile stats there on exit
    with contextlib.ExitStack() as stack, production_shop(extra, postgres=args.postgres) as shop:
        log_path = Path(args.worker_log) if args.worker_log else shop.workdir / "worker.log"
        worker_log = stack.enter_context(open(log_path, "ab"))  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", str(args.threads)],
            cwd=BASE_DIR,
            env={**shop.env, "LOG_LEVEL": "INFO", "WEB_PROFILE": ""},  # its "ready" line tells when it consumes
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            # The demo catalogue's static pages (queued by load_demo) are built before the sale is set up: on a
            # slow machine they took the worker ~40 s and, still being built at the opening, a whole core.
            began = time.time()
            while "Worker process is ready" not in log_path.read_text(errors="replace"):
                if time.time() > began + WORKER_BOOT_SECONDS:
                    sys.exit(f"the worker was not ready within {WORKER_BOOT_SECONDS} s")
                time.sleep(0.2)
            settled, used = wait_until_idle(worker.pid)
            print(f"the worker is ready; the shop's setup jobs done {settled:.1f} s later (now {used:.0%} of a core)")
            setup = shop.query(SETUP.format(shoppers=args.shoppers, quantity=args.quantity, open_in=args.open_in))
            sale_id, opens = setup["sale"], setup["opens"]
            wait = opens - time.time()
            print(
                f"{args.shoppers} shoppers, {args.quantity} units, {args.connections or args.shoppers} connections;"
                f" the sale opens in {wait:.1f} s"
            )
            if wait < 1:
                sys.exit("setup took longer than the countdown: raise open_in")
            tickets = [""] * len(setup["sessions"]) if args.no_ticket else setup["tickets"]
            presses = build_presses(sale_id, list(zip(setup["sessions"], tickets, strict=True)))
            cpu: dict[str, float] = {"web_before": process_cpu_ms(shop.pid)}

            def at_opening() -> None:  # the connections are open: from here on the server only answers presses
                cpu.update(
                    web=process_cpu_ms(shop.pid),
                    web_system=user_system_ms(shop.pid)[1],
                    redis=process_cpu_ms(shop.redis_pid),
                    client=time.process_time(),
                    worker=tree_cpu_ms(worker.pid),
                    gate_calls=evalsha_calls(shop.redis()),
                )

            def at_last_answer() -> None:
                cpu.update(
                    web_after=process_cpu_ms(shop.pid),
                    web_system_after=user_system_ms(shop.pid)[1],
                    redis_after=process_cpu_ms(shop.redis_pid),
                    client_after=time.process_time(),
                    worker_in_burst=tree_cpu_ms(worker.pid) - cpu["worker"],
                    gate_calls_after=evalsha_calls(shop.redis()),
                )

            results = press_all(
                shop.host, shop.port, presses, opens, args.connections or args.shoppers, at_opening, at_last_answer
            )
            web_cpu = cpu["web_after"] - cpu["web"]
            redis_cpu = cpu["redis_after"] - cpu["redis"]
            connect_cpu = cpu["web"] - cpu["web_before"]
            client_cpu = cpu["client_after"] - cpu["client"]
            worker_cpu0 = cpu["worker"]
            codes: dict[str, int] = {}
            for press in results:
                codes[press.code] = codes.get(press.code, 0) + 1
            accepted = codes.get("accepted", 0)
            answered = [press for press in results if press.status]
            # Each press's wait: from the moment it was sent until its whole answer was in the shopper's socket
            # (the kernel's stamp), and until the bench's one client thread read it.
            latencies = [(press.arrived_at - press.sent_at) * 1000 for press in answered]
            read_latencies = [(press.answered_at - press.sent_at) * 1000 for press in answered]
            first_sent = min(press.sent_at for press in answered)
            burst = max(max(press.arrived_at for press in answered) - first_sent, 1e-9)
            read_burst = max(max(press.answered_at for press in answered) - first_sent, 1e-9)
            rate = len(answered) / burst
            print(f"answers: {dict(sorted(codes.items()))}   client errors: {len(results) - len(answered)}")
            print(
                f"instant answers/s {rate:8.1f}   accepted answers/s {accepted / burst:8.1f}   "
                f"p50 {pct(latencies, 50):6.1f} ms   p99 {pct(latencies, 99):6.1f} ms   "
                f"mean {statistics.fmean(latencies):6.1f} ms   max {max(latencies):6.1f} ms   (burst {burst:.3f} s)"
            )
            print(
                f"  as the bench's one client thread read them: {len(answered) / read_burst:8.1f} answers/s   "
                f"p50 {pct(read_latencies, 50):6.1f} ms   p99 {pct(read_latencies, 99):6.1f} ms   "
                f"max {max(read_latencies):6.1f} ms   (each answer read "
                f"{statistics.fmean(r - k for r, k in zip(read_latencies, latencies, strict=True)):.1f} ms after it"
                " arrived, on average)"
            )
            print(
                f"all {len(answered)} presses at once: the last answer waits {len(answered)} / {rate:.0f} answers/s"
                f" = {1000 * len(answered) / rate:.0f} ms"
            )
            if floor:
                print(
                    f"against the floor (the same crowd, answered unread): p99 {pct(latencies, 99):.1f} ms ="
                    f" {floor.p99_ms:.1f} ms + {pct(latencies, 99) - floor.p99_ms:.1f} ms of the lean route's own work;"
                    f" CPU per answer {web_cpu * 1000 / max(len(results), 1):.0f} µs = {floor.cpu_us:.0f} µs +"
                    f" {web_cpu * 1000 / max(len(results), 1) - floor.cpu_us:.0f} µs"
                )
            per_answer = web_cpu / max(len(results), 1)
            print(
                f"Daphne CPU {web_cpu:.1f} ms for {len(results)} answers = {per_answer * 1000:.1f} µs CPU per answer"
                f" (one process's CPU-bound ceiling: {1000 / max(per_answer, 1e-9):.0f} answers/s);"
                f" load average {os.getloadavg()[0]:.1f}; the client's own CPU {client_cpu:.2f} s"
            )
            web_system = cpu["web_system_after"] - cpu["web_system"]
            print(
                f"of which in the kernel (socket reads and writes, epoll; counted in ticks of 10 ms):"
                f" {web_system / 1000:.2f} s = {web_system / max(len(results), 1):.3f} ms per answer"
            )
            print(f"(Daphne CPU to accept the {len(presses)} connections beforehand: {connect_cpu / 1000:.2f} s)")
            print(
                f"Redis CPU {redis_cpu:.1f} ms for {len(results)} presses ="
                f" {redis_cpu * 1000 / max(len(results), 1):.1f} µs per press (the gate's Lua step)"
            )
            at_gate = int(cpu["gate_calls_after"] - cpu["gate_calls"])
            print(
                f"EVALSHA calls on the shop's Redis meanwhile: {at_gate} (the presses put to the gate, and a few of"
                f" the worker's broker calls); the other ~{len(results) - at_gate} presses the web process refused"
                f" itself once the gate had said 已抢光"
            )
            print(
                f"meanwhile the worker used {cpu['worker_in_burst'] / 1000:.2f} s of CPU and the"
                f" client {client_cpu:.2f} s, on the same {os.cpu_count()} cores"
            )
            import psycopg

            with psycopg.connect(shop.env["DATABASE_URL"], autocommit=True) as conn:
                # Until every accepted press is an order: nothing left on the sale's Redis stream (lean presses
                # not yet drained), no entry still queued in the database (or until accepted presses failed).
                redis, stream = shop.redis(), f"mh:flash:{{{sale_id}}}:queue"
                deadline = time.time() + 120
                state = read_state(conn, sale_id, setup["sku"])
                while time.time() < deadline and (
                    redis.xlen(stream) or state["queued"] or state["orders"] + state["failed"] < accepted
                ):
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
