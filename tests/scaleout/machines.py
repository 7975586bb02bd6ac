"""Helpers for the scale-out tests: free ports, waiting on conditions, the test database as a DATABASE_URL and
a second "machine": a shop process on production settings with its own empty local folders."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis
import requests
from django.conf import settings

from config.embedded_redis import _free_port, redis_server_binary
from tests.support import wait_until

BASE_DIR = Path(__file__).resolve().parents[2]
KEYS = BASE_DIR / "var" / "alipay-sandbox"
__all__ = ["BASE_DIR", "MASTER_NAME", "Machine", "SentinelCluster", "database_url", "free_port", "wait_for"]
MASTER_NAME = "meihao-master"

free_port = _free_port
_collected: Path | None = None  # STATIC_ROOT of the first machine that ran collectstatic in this run


def wait_for(condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """tests.support.wait_until where a failing condition counts as "not yet" (the service is still starting)."""
    return wait_until(condition, timeout, what, interval=interval, ignore=(Exception,))


def database_url() -> str:
    """The test database (already created by pytest-django) as a URL another process can open."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def production_env(folder: Path, **extra: str) -> dict[str, str]:
    """Environment of a production process whose local folders are all under ``folder``."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "SEARCH_", "REDIS_"))}
    keep.pop("SINGLE_MACHINE", None)
    keep.pop("BROKER_URL", None)
    return {
        **keep,
        # no DJANGO_SETTINGS_MODULE: config.asgi must pick the production settings by itself
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "DATABASE_POOL": "false",
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "STATIC_PAGES_ROOT": str(folder / "static_pages"),
        "WHOOSH_INDEX_PATH": str(folder / "whoosh"),
        "ALIPAY_APP_ID": "2021000000000001",
        "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
        "ALIPAY_APP_PRIVATE_KEY_FILE": str(KEYS / "app_private_key.pem"),
        "ALIPAY_PUBLIC_KEY_FILE": str(KEYS / "alipay_public_key.pem"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Machine:
    """One "machine": its own folder and environment; runs Daphne (web) and Dramatiq (worker) processes."""

    def __init__(self, name: str, folder: Path, **env: str) -> None:
        self.name = name
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = production_env(folder, **env)
        self.processes: list[subprocess.Popen] = []
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, args: list[str], log_name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / log_name, "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            args, cwd=BASE_DIR, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        process.log_file = log  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def start_web(self, timeout: float = 60) -> Machine:
        self.port = free_port()
        process = self._spawn(
            [
                sys.executable,
                "-m",
                "daphne",
                "--proxy-headers",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            "web.log",
        )

        def up() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} web exited:\n{self.log('web.log')}")
            with socket.socket() as sock:
                sock.settimeout(0.5)
                return sock.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(up, timeout=timeout, what=f"{self.name} web on port {self.port}")
        return self

    def start_worker(self, threads: int = 2) -> subprocess.Popen:
        return self._spawn(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", str(threads)],
            "worker.log",
            env={"DJANGO_SETTINGS_MODULE": "config.settings.production"},
        )

    def start_scheduler(self) -> subprocess.Popen:
        return self._spawn(
            [sys.executable, "manage.py", "scheduler"],
            "scheduler.log",
            env={"DJANGO_SETTINGS_MODULE": "config.settings.production"},
        )

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
        )

    def release(self) -> None:
        """The Procfile's release step for this machine's own folders (collectstatic: the manifest storage
        cannot render a page without it). The database is already migrated by pytest-django. The first
        machine of the run collects; later ones get a copy of that result (same code, same files) in their
        own STATIC_ROOT, which saves the suite ~10 s per machine."""
        global _collected
        target = Path(self.env["STATIC_ROOT"])
        if _collected is not None and _collected.exists():
            shutil.copytree(_collected, target, dirs_exist_ok=True)
            return
        result = self.manage("collectstatic", "--noinput")
        assert result.returncode == 0, result.stderr
        _collected = target

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for name in ("web.log", "worker.log", "scheduler.log"):  # shown by pytest when the test failed
            if (self.folder / name).exists():
                print(f"--- {self.name} {name} ---\n{self.log(name)}")
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log_file.close()
        self.processes.clear()


class SentinelCluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.master_port, self.replica_port, self.sentinel_port = free_port(), free_port(), free_port()
        self.processes: dict[str, subprocess.Popen] = {}

    def _server(self, name: str, port: int, *extra: str) -> None:
        data = self.folder / name
        data.mkdir(exist_ok=True)
        args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
        args += ["--save", "", "--appendonly", "no", *extra]
        self.processes[name] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> SentinelCluster:
        self._server("master", self.master_port)
        self._server("replica", self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        config = self.folder / "sentinel.conf"
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {self.folder}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
            f"sentinel failover-timeout {MASTER_NAME} 5000\n"
        )
        self.processes["sentinel"] = subprocess.Popen(
            [redis_server_binary(), str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        replica = redis.Redis(port=self.replica_port)
        wait_for(
            lambda: replica.info("replication").get("master_link_status") == "up",
            20,
            what="replica in sync",
        )
        sentinel = redis.Redis(port=self.sentinel_port)
        wait_for(
            lambda: sentinel.execute_command("SENTINEL", "REPLICAS", MASTER_NAME), 30, what="sentinel sees replica"
        )
        return self

    def master_address(self) -> tuple[str, int]:
        host, port = redis.Redis(port=self.sentinel_port).execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME
        )
        return host.decode(), int(port)

    def kill_master(self) -> None:
        process = self.processes["master"]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
