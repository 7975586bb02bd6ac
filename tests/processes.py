"""Helpers for tests that run the shop's real processes (the Procfile's commands) as children: an environment
pointing them at this run's test database and Redis, and a handle that reads their output and stops or
SIGKILLs them (their whole process group: rundramatiq forks its worker processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests import support

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database (already created and migrated by pytest-django) as a DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What `make run` gives the processes (local settings), on this run's database, Redis and folders."""
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": database_url(),
            "DATABASE_POOL": "false",
            "REDIS_URL": settings.REDIS_URL,
            "WHOOSH_INDEX_PATH": str(tmp_path / "whoosh"),
            "STATIC_PAGES_ROOT": str(tmp_path / "static_pages"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "ALIPAY_SANDBOX_KEY_DIR": str(settings.ALIPAY_SANDBOX_KEY_DIR),
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


class Child:
    """One child process (and its process group) with its output in a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._out = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args, cwd=BASE_DIR, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    @classmethod
    def manage(cls, name: str, *args: str, env: dict[str, str], log_dir: Path) -> Child:
        return cls(name, [sys.executable, "manage.py", *args], env, log_dir)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, seconds: float = 60) -> None:
        wait_until(lambda: text in self.output(), seconds, f"{self.name} to print {text!r}", self)

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL the whole process group (no cleanup of any kind, like a crash or an OOM kill)."""
        self.signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 40) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL; returns the exit code."""
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()
        return self.process.returncode


def wait_until(predicate: Callable[[], object], seconds: float, what: str, *children: Child):
    """tests.support.wait_until, with the end of each child's output in the error."""
    try:
        return support.wait_until(predicate, seconds, what, interval=0.2)
    except AssertionError as error:
        tails = "\n".join(f"--- {c.name}\n{c.output()[-3000:]}" for c in children)
        raise AssertionError(f"{error}\n{tails}") from None
