"""`make test`: the import contracts (`lint-imports`), then the whole suite on SQLite, then again on PostgreSQL
when one is reachable. A broken import contract fails the run before any test.

Redis: REDIS_URL if set, else the machine's Redis on 127.0.0.1:6379 (database 15) when reachable, else an
embedded redis-server started by the test settings. PostgreSQL: DATABASE_URL if it is a postgres URL, else
postgres://postgres@127.0.0.1:5432 when reachable. Extra arguments go to pytest. Tests marked "layout" (the
real process layout: SIGKILL, Redis restarts, Sentinel, S3, RabbitMQ) run once, in the PostgreSQL pass when
PostgreSQL is reachable, else in the SQLite pass; tests marked "browser" (Chromium journeys) run once, in the
SQLite pass.

Any test order must pass: the SQLite pass shuffles the modules (and the tests inside each module) with a fresh
seed every run, printed first (TEST_ORDER_SEED=N replays it), the PostgreSQL pass runs in file order, so every
run checks a new order and a known one. ARGS="--test-order random" (or random:N, reverse, file) sets the order
of both passes (docs/architecture.md, "Test order").
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
NO_TESTS_COLLECTED = 5


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pytest(label: str, env: dict, args: list[str]) -> int:
    print(f"\n==> pytest on {label}", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=BASE_DIR, env=env)
    if code == NO_TESTS_COLLECTED:
        print(f"==> {label}: pytest collected no tests; that is a failure here", flush=True)
        return 1
    return code


def lint_imports() -> int:
    """The import arrows (pyproject.toml, [tool.importlinter]) before any test: a broken contract fails the run."""
    print("==> lint-imports", flush=True)
    command = [str(Path(sys.executable).with_name("lint-imports"))]
    if os.environ.get("IMPORT_LINTER_CONFIG"):  # another contracts file (tests/tasks/test_jobs.py breaks one)
        command += ["--config", os.environ["IMPORT_LINTER_CONFIG"]]
    return subprocess.call(command, cwd=BASE_DIR, env={**os.environ, "PYTHONPATH": str(BASE_DIR)})


def main() -> int:
    if lint_imports():
        print("==> import contracts broken (see above): no tests run", flush=True)
        return 1
    args = sys.argv[1:]
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if not env.get("REDIS_URL") and reachable("127.0.0.1", 6379):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    postgres_url = env.pop("DATABASE_URL", "")
    if not postgres_url.startswith("postgres") and reachable("127.0.0.1", 5432):
        postgres_url = "postgres://postgres@127.0.0.1:5432/meihao"

    both = postgres_url.startswith("postgres")
    # Process-layout tests (marker "layout": real Procfile processes, SIGKILL, Redis restarts, Sentinel, S3,
    # RabbitMQ) test processes, not SQL: they run once, in the PostgreSQL pass when there is one. The browser
    # journeys (marker "browser") test what a person sees through the whole stack, whose SQL the other tests
    # cover on both databases: they run once, in the shuffled SQLite pass (`make run`'s database).
    split = both and "-m" not in args
    sqlite_args = ["-m", "not layout", *args] if split else list(args)
    postgres_args = ["-m", "layout or not browser", *args] if split else list(args)
    if not any(arg.startswith("--test-order") for arg in args):
        seed = int(env.get("TEST_ORDER_SEED") or random.SystemRandom().randrange(10**6))
        print(f"==> SQLite pass in random order, seed {seed} (replay: TEST_ORDER_SEED={seed})", flush=True)
        print("==> PostgreSQL pass in file order", flush=True)
        sqlite_args = ["--test-order", f"random:{seed}", *sqlite_args]
    code = pytest("SQLite", env, sqlite_args)
    if both:
        code = pytest("PostgreSQL", {**env, "DATABASE_URL": postgres_url}, postgres_args) or code
    else:
        print("==> PostgreSQL not reachable: SQLite run only", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
