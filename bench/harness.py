"""Shared benchmark harness: a production-like shop in a temporary folder, and an HTTP load loop.

`production_shop()` migrates a fresh SQLite database, loads the demo catalog, collects static files and
starts Daphne with config.settings.production (DEBUG off, manifest static files) and an embedded Redis.
`measure()` drives one URL from N threads with keep-alive connections for a fixed time on 127.0.0.1 and
returns requests per second and latency percentiles. Loops are bounded in time and count.
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

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_redis import EmbeddedRedis, _free_port  # noqa: E402

MAX_REQUESTS_PER_WORKER = 200_000


@dataclass
class Shop:
    base_url: str
    host: str
    port: int
    env: dict
    workdir: Path

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def query(self, code: str) -> object:
        """Run Python in a Django shell of this shop and return what it printed as JSON."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, pct: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]

    def line(self) -> str:
        return (
            f"{self.label:<28} {self.rps:9.1f} req/s   p50 {self.percentile(50):7.1f} ms   "
            f"p99 {self.percentile(99):7.1f} ms   n={self.requests} errors={self.errors}"
        )


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


@contextlib.contextmanager
def production_shop(extra_env: dict | None = None) -> Iterator[Shop]:
    """A Daphne process on production settings over a fresh demo database; stopped and removed on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="meihao-bench-"))
    redis = EmbeddedRedis().start()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": redis.url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "STATIC_PAGES_ROOT": str(workdir / "static_pages"),
        "WHOOSH_INDEX_PATH": str(workdir / "whoosh"),
        "SINGLE_MACHINE": "true",  # Whoosh and local media/static-page folders on one machine
        "LOG_LEVEL": "WARNING",
        **offline_alipay_env(workdir),
        **(extra_env or {}),
    }
    shop = Shop(f"http://127.0.0.1:{port}", "127.0.0.1", port, env, workdir)
    server = None
    try:
        shop.manage("migrate", "--noinput")
        shop.manage("load_demo")
        shop.manage("collectstatic", "--noinput")
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(port)
        yield shop
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def measure(
    shop: Shop, path: str, *, label: str, seconds: float = 5.0, concurrency: int = 8, warmup: int = 20
) -> Result:
    """Hammer one path from `concurrency` threads for `seconds`; non-200 answers count as errors."""
    for _ in range(warmup):
        _get(http.client.HTTPConnection(shop.host, shop.port, timeout=10), path)
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
                ok = _get(conn, path)
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection(shop.host, shop.port, timeout=10)
            mine.append((time.perf_counter() - started) * 1000)
            bad += not ok
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
    return Result(label, len(latencies), errors, elapsed, latencies)


def _get(conn: http.client.HTTPConnection, path: str) -> bool:
    conn.request("GET", path, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return response.status == 200


def summary(results: list[Result]) -> str:
    return (
        "\n".join(r.line() for r in results)
        + f"\n(median p99 {statistics.median(r.percentile(99) for r in results):.1f} ms)"
    )
