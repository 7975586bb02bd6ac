"""Shared benchmark harness: a production-like shop in a temporary folder, and an HTTP load loop.

`production_shop()` migrates a fresh database (a throw-away PostgreSQL database when `database_url` names a
server, else SQLite), loads the demo catalog, collects static files and starts Daphne as the Procfile's `web`
line does, with production settings (`bench.settings`: config.settings.production plus a middleware that
counts SQL queries) and an embedded Redis of its own. `measure()` drives one URL from N threads with
keep-alive connections for a fixed time on 127.0.0.1 and returns requests per second and latency percentiles,
and, read before and after the line, the server process's CPU time (`process_cpu_ms`), its SQL
queries and the Redis commands the shop's Redis ran (INFO commandstats), each per request. Loops are bounded
in time and count.

CPU milliseconds per request hold on a busy machine (they count only the server process's own time);
requests per second and latencies move with whatever else the machine runs.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_redis import EmbeddedRedis, _free_port  # noqa: E402

MAX_REQUESTS_PER_WORKER = 200_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_ms(pid: int) -> float:
    """CPU of process `pid` so far, in milliseconds: the scheduler's nanosecond count of its threads
    (/proc/<pid>/task/*/schedstat); /proc/<pid>/stat's user + system (in ticks of 10 ms, a tenth of a flash-sale
    burst) where there is no schedstat."""
    counts = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):  # a thread that just ended
                counts.append(int((task / "schedstat").read_text().split()[0]))
    return sum(counts) / 1e6 if counts else sum(user_system_ms(pid))


def user_system_ms(pid: int) -> tuple[float, float]:
    """(user, system) CPU of process `pid` so far, in milliseconds (/proc/<pid>/stat, in clock ticks): Python's own
    work, and the kernel's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) * 1000 / CLOCK_TICKS, int(fields[12]) * 1000 / CLOCK_TICKS


DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/"


@dataclass(frozen=True)
class Counters:
    """Cumulative figures of the server at one moment."""

    cpu_ms: float
    queries: int
    redis_calls: int
    redis_writes: int


@dataclass
class Shop:
    base_url: str
    host: str
    port: int
    env: dict
    workdir: Path
    pid: int = 0
    redis_pid: int = 0  # the shop's own redis-server
    _write_commands: dict[str, bool] = field(default_factory=dict, repr=False)

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def query(self, code: str) -> object:
        """Run Python in a Django shell of this shop and return what it printed as JSON."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def redis(self):
        import redis

        return redis.Redis.from_url(self.env["REDIS_URL"])

    def server_cpu_ms(self) -> float:
        """CPU time of the Daphne process (all its threads) so far, in milliseconds."""
        return process_cpu_ms(self.pid)

    def counters(self) -> Counters:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        conn.request("GET", "/__bench__/counters", headers={"Host": "127.0.0.1"})
        queries = json.loads(conn.getresponse().read())["queries"]
        calls, writes = self._redis_calls()
        return Counters(self.server_cpu_ms(), queries, calls, writes)

    def _redis_calls(self) -> tuple[int, int]:
        """(all commands, write commands) the shop's Redis has run so far; connection set-up (CLIENT, HELLO)
        and this harness's own INFO and COMMAND left out. A command is a write when Redis flags it so."""
        client = self.redis()
        calls = writes = 0
        for key, value in client.info("commandstats").items():
            name = key.removeprefix("cmdstat_").split("|")[0]
            if name in ("info", "command", "client", "hello"):
                continue
            if name not in self._write_commands:
                flags = client.execute_command("COMMAND", "INFO", name).get(name, {}).get("flags", [])
                self._write_commands[name] = "write" in flags
            calls += int(value["calls"])
            writes += int(value["calls"]) if self._write_commands[name] else 0
        client.close()
        return calls, writes


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    before: Counters | None = field(default=None, repr=False)
    after: Counters | None = field(default=None, repr=False)

    def per_request(self, name: str) -> float:
        if not (self.before and self.after and self.requests):
            return float("nan")
        return (getattr(self.after, name) - getattr(self.before, name)) / self.requests

    @property
    def cpu_ms(self) -> float:
        return self.per_request("cpu_ms")

    @property
    def queries(self) -> float:
        return self.per_request("queries")

    @property
    def redis_calls(self) -> float:
        return self.per_request("redis_calls")

    @property
    def redis_writes(self) -> float:
        return self.per_request("redis_writes")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, pct: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]

    def line(self) -> str:
        figures = (
            f"{self.label:<34} {self.rps:8.1f} req/s  p50 {self.percentile(50):6.1f} ms  "
            f"p99 {self.percentile(99):6.1f} ms"
        )
        if self.before and self.after:
            figures += (
                f"  cpu {self.cpu_ms:5.2f} ms/req  sql {self.queries:4.1f}/req  "
                f"redis {self.redis_calls:4.1f}/req ({self.redis_writes:.1f} writes)"
            )
        return figures + f"  n={self.requests} errors={self.errors}"


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def offline_alipay_env(folder: Path) -> dict[str, str]:
    """Production settings refuse to start without Alipay credentials; benchmarks never pay, so they get a
    throwaway RSA key pair and the real gateway address (nothing is ever sent there)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = folder / "bench-app-private.pem", folder / "bench-alipay-public.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {
        "ALIPAY_APP_ID": "2021000000000000",
        "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
        "ALIPAY_APP_PRIVATE_KEY_FILE": str(private),
        "ALIPAY_PUBLIC_KEY_FILE": str(public),
    }


def postgres_reachable(server_url: str = DEFAULT_POSTGRES) -> bool:
    try:
        import psycopg

        with psycopg.connect(urlparse(server_url)._replace(path="/postgres").geturl(), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False


@contextlib.contextmanager
def throwaway_postgres(server_url: str, prefix: str = "meihao_bench") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url` (its database name is ignored),
    dropped on exit. Yields its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    parsed = urlparse(server_url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_environment(workdir: Path, redis_url: str, database_url: str) -> dict[str, str]:
    """Environment of a production-settings process of a benchmark shop living in `workdir`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "STATIC_PAGES_ROOT": str(workdir / "static_pages"),
        "WHOOSH_INDEX_PATH": str(workdir / "whoosh"),
        "SINGLE_MACHINE": "true",  # Whoosh and local media/static-page folders on one machine
        "LOG_LEVEL": "WARNING",
        **offline_alipay_env(workdir),
    }


@contextlib.contextmanager
def production_shop(extra_env: dict | None = None, *, postgres: str | None = None) -> Iterator[Shop]:
    """A Daphne process on production settings over a fresh demo database (a throw-away database on the
    PostgreSQL server `postgres`, or SQLite when None) and its own embedded Redis; stopped and removed on exit.
    Daphne is started as the Procfile's `web` line starts it (config.web_server, `--proxy-headers`)."""
    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="meihao-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        database_url = (
            stack.enter_context(throwaway_postgres(postgres)) if postgres else f"sqlite:///{workdir / 'bench.sqlite3'}"
        )
        yield stack.enter_context(_serve(workdir, database_url, extra_env))


@contextlib.contextmanager
def _serve(workdir: Path, database_url: str, extra_env: dict | None) -> Iterator[Shop]:
    redis = EmbeddedRedis().start()
    port = _free_port()
    env = {
        **bench_environment(workdir, redis.url, database_url),
        **(extra_env or {}),
    }
    shop = Shop(f"http://127.0.0.1:{port}", "127.0.0.1", port, env, workdir, redis_pid=redis.process.pid)
    server = None
    try:
        shop.manage("migrate", "--noinput")
        shop.manage("load_demo")
        shop.manage("collectstatic", "--noinput")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *("config.web_server", "--proxy-headers"),
                *("-b", "127.0.0.1", "-p", str(port), "config.asgi:application"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(port)
        shop.pid = server.pid
        yield shop
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        redis.stop()


def measure(
    shop: Shop, path: str, *, label: str, seconds: float = 5.0, concurrency: int = 8, warmup: int = 20,
    method: str = "GET", body: bytes | None = None, headers: dict | None = None, ok: tuple[int, ...] = (200,),
) -> Result:  # fmt: skip
    """Hammer one request (a GET of `path` unless told otherwise) from `concurrency` threads for `seconds`;
    answers other than `ok` count as errors. The server's counters are read after the warm-up and after the line
    (when the shop has a server pid)."""
    request = Request(method, path, body, {"Host": "127.0.0.1", **(headers or {})}, ok)
    for _ in range(warmup):
        request.send(http.client.HTTPConnection(shop.host, shop.port, timeout=10))
    before = shop.counters() if shop.pid else None
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(shop.host, shop.port, timeout=10)
        mine, bad = [], 0
        for _ in range(MAX_REQUESTS_PER_WORKER):
            if time.monotonic() >= stop_at:
                break
            started = time.perf_counter()
            try:
                good = request.send(conn)
            except (OSError, http.client.HTTPException):
                good = False
                conn = http.client.HTTPConnection(shop.host, shop.port, timeout=10)
            mine.append((time.perf_counter() - started) * 1000)
            bad += not good
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = shop.counters() if shop.pid else None
    return Result(label, len(latencies), errors, elapsed, latencies, before, after)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict
    ok: tuple[int, ...]

    def send(self, conn: http.client.HTTPConnection) -> bool:
        """Send it on `conn` (kept alive), read the whole answer; True when its status is one of `ok`."""
        conn.request(self.method, self.path, body=self.body, headers=self.headers)
        response = conn.getresponse()
        response.read()
        return response.status in self.ok


def summary(results: list[Result]) -> str:
    return (
        "\n".join(r.line() for r in results)
        + f"\n(median p99 {statistics.median(r.percentile(99) for r in results):.1f} ms)"
    )
