"""The release step (Procfile `release: python manage.py release`) run from two machines at once on a fresh
database: both succeed, one waits for the other's lock, every migration is applied once (SPEC M)."""

from __future__ import annotations

import os
import sys
import uuid

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests.processes import Child, child_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database next to the test database: a new PostgreSQL database, or a new SQLite file."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    name = f"{db['NAME']}_release_{uuid.uuid4().hex[:8]}"
    params = {"dbname": "postgres", "user": db["USER"], "host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def applied_migrations(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            return db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as db:
        return db.execute("SELECT count(*) FROM django_migrations").fetchone()[0]


def test_two_release_steps_at_once_on_a_fresh_database_both_succeed(tmp_path, fresh_database):
    env = child_env(tmp_path, DATABASE_URL=fresh_database)
    machines = [
        Child(f"release-{i}", [sys.executable, "manage.py", "release"], {**env, "MACHINE": str(i)}, tmp_path)
        for i in (1, 2)
    ]
    try:
        wait_until(lambda: not any(m.alive() for m in machines), 240, "both release steps", *machines)
    finally:
        codes = [m.stop() for m in machines]
    outputs = [m.output() for m in machines]
    assert codes == [0, 0], "\n".join(o[-3000:] for o in outputs)
    assert all("release: done" in o for o in outputs)
    # One of them really waited for the other's lock, then found nothing left to apply.
    assert sum("waiting for its lock" in o for o in outputs) == 1, outputs
    assert sum("No migrations to apply." in o for o in outputs) == 1, outputs
    expected = len(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    assert applied_migrations(fresh_database) == expected
    assert os.path.exists(tmp_path / "release-1.log")
