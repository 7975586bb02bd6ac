"""SPEC H / issue #9: nothing lost, nothing stuck. Runs the hostile harness bench/faults.py on this run's test
database: its own redis-server (append-only), the web process, two workers and the scheduler; one worker is
SIGKILLed while it holds delayed jobs, then redis-server is restarted while refunds are requested. Every
order timeout, trade query, notify delivery and refund must be done exactly once, within 90 s of its due time,
and no stock push left overdue."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR, child_env

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]


def test_every_delayed_job_survives_a_worker_sigkill_and_a_redis_restart_exactly_once(tmp_path):
    env = child_env(tmp_path)
    env.pop("REDIS_URL")  # the harness starts and restarts its own redis-server
    run = subprocess.run(
        [sys.executable, "bench/faults.py", "--no-release", "--orders", "12", "--others", "3"]
        + ["--tick", "5", "--order-timeout", "12", "--delay", "5", "--limit", "90"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("FAULTS ")]
    assert lines, run.stdout[-4000:] + run.stderr[-4000:]
    report = json.loads(lines[-1].removeprefix("FAULTS "))
    print("\n" + "\n".join(line for line in run.stdout.splitlines() if " n=" in line))
    assert report["problems"] == {
        "orders lost": 0,
        "timeouts not once": 0,
        "payments not once": 0,
        "refunds not once": 0,
        "stock pushes overdue": 0,
    }
    for label in ("worker SIGKILL", "Redis restart"):
        for kind in ("order timeout", "trade query", "notify delivery", "refund"):
            figures = report["rounds"][label][kind]
            assert figures["n"] > 0 and figures["done"] == figures["n"], (label, kind, figures)
            assert figures["max_s"] <= 90, (label, kind, figures)
    assert run.returncode == 0, run.stdout[-3000:]
