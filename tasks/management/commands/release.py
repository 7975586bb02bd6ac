"""`manage.py release`: the Procfile's release step, safe to run from several machines at once (SPEC M).

Every step runs under one lock: a PostgreSQL session advisory lock (on a connection of its own, so nothing
Django does with its connections can drop it), or a file lock beside the SQLite database. A second machine
waits for the first to finish, then finds the migrations applied and does nothing; without the lock two
`migrate` runs on a fresh database race on the same CREATE TABLE / CREATE TYPE and one fails.

Steps run in order: migrate, then collectstatic where settings.RELEASE_COLLECTSTATIC says so (production: the
manifest static storage needs it); later steps (search index setup...) go in `STEPS`.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

#: pg_advisory_lock key of the release step (any constant bigint the shop uses for nothing else).
ADVISORY_LOCK_KEY = 7_240_613_100_001
#: (command, options) run in order under the lock.
STEPS: list[tuple[str, dict]] = [
    ("migrate", {"interactive": False}),
    ("collectstatic", {"interactive": False}),
]


@contextlib.contextmanager
def release_lock(alias: str = "default", *, say=print) -> Iterator[None]:
    """Hold the release lock of database `alias` for the duration of the block (blocking until it is free)."""
    settings_dict = connections[alias].settings_dict
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        import psycopg

        params = {
            "dbname": settings_dict["NAME"],
            "user": settings_dict.get("USER") or None,
            "password": settings_dict.get("PASSWORD") or None,
            "host": settings_dict.get("HOST") or None,
            "port": settings_dict.get("PORT") or None,
        }
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as lock_connection:
            started = time.monotonic()
            if not lock_connection.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0]:
                say("release: another machine is releasing; waiting for its lock")
                lock_connection.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                say(f"release: lock free after {time.monotonic() - started:.1f} s")
            try:
                yield
            finally:
                lock_connection.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    elif "sqlite" in engine and str(settings_dict["NAME"]) not in ("", ":memory:"):
        path = Path(f"{settings_dict['NAME']}.release.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say("release: another process is releasing; waiting for its lock")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield  # another engine: the operator runs the release step on one machine


class Command(BaseCommand):
    help = "Release step (migrate, ...) under a database-wide lock: safe from several machines at once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        with release_lock(options["database"], say=self.stdout.write):
            for name, step_options in STEPS:
                if name == "collectstatic" and not getattr(settings, "RELEASE_COLLECTSTATIC", False):
                    continue
                self.stdout.write(f"release: {name}")
                if name == "migrate":
                    step_options = {**step_options, "database": options["database"]}
                call_command(name, verbosity=verbosity, **step_options)
        self.stdout.write("release: done")
