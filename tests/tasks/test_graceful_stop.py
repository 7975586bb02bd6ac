"""Stopping is graceful (SPEC H): the Procfile's worker, sent SIGTERM (what honcho sends first), finishes the
job it is running and puts the delayed messages it held in memory back into Redis, then exits by itself well
within the stop timeout (WORKER_SHUTDOWN_TIMEOUT_MS 25 s < STOP_TIMEOUT 30 s before honcho's SIGKILL)."""

from __future__ import annotations

import json
import shlex
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django_redis import get_redis_connection

from commerce.payments.sandbox import store
from tasks import durable
from tasks.models import DurableJob
from tests.processes import BASE_DIR, Child, child_env, wait_until

pytestmark = [pytest.mark.layout, pytest.mark.django_db(transaction=True)]

APP = "2021000000000001"
SLOW_SECONDS = 5
DELAY_QUEUE = "mh-dramatiq:default.DQ"  # the Redis broker's delay queue (namespace from the settings)


class SlowShop(BaseHTTPRequestHandler):
    """A notify endpoint that takes SLOW_SECONDS to answer: the job is in flight when SIGTERM arrives."""

    started = threading.Event()
    answered = threading.Event()

    def do_POST(self):  # noqa: N802 - http.server's API
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        SlowShop.started.set()
        time.sleep(SLOW_SECONDS)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")
        SlowShop.answered.set()

    def log_message(self, *args):
        pass


def procfile_worker() -> list[str]:
    line = next(x for x in (BASE_DIR / "Procfile").read_text().splitlines() if x.startswith("worker:"))
    command = line.removeprefix("worker:").replace("${WORKER_SHUTDOWN_TIMEOUT_MS:-25000}", "25000")
    return shlex.split(command.replace("python ", "", 1))


def test_sigterm_lets_the_worker_finish_its_job_and_requeue_what_it_held(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowShop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    notify_url = f"http://127.0.0.1:{server.server_port}/notify/"
    for out_trade_no in ("9001", "9002"):
        store.pay_trade(
            app_id=APP,
            out_trade_no=out_trade_no,
            subject="x",
            total_amount="1.00",
            seller_id=settings.ALIPAY_SANDBOX_SELLER_ID,
            notify_url=notify_url,
            return_url="",
        )
    args = procfile_worker()
    assert args[:2] == ["manage.py", "rundramatiq"] and "--worker-shutdown-timeout" in args
    worker = Child.manage("worker", *args[1:], env=child_env(tmp_path), log_dir=tmp_path)
    try:
        worker.wait_for_output("Worker process is ready for action.", 90)
        running = durable.schedule("deliver_sandbox_notify_task", APP, "9001", key="notify:9001")
        later = durable.schedule("deliver_sandbox_notify_task", APP, "9002", key="notify:9002", delay_seconds=120)
        assert SlowShop.started.wait(30), worker.output()[-3000:]
        redis = get_redis_connection("default")
        # The worker fetched the delayed message too (the broker moved it from the queue to the worker's acks).
        wait_until(lambda: redis.llen(DELAY_QUEUE) == 0, 30, "the worker to fetch the delayed message", worker)

        stopping = time.monotonic()
        worker.signal(signal.SIGTERM)
        wait_until(lambda: not worker.alive(), 30, "the worker to stop by itself", worker)
        stopped_after = time.monotonic() - stopping
    finally:
        code = worker.stop()
        server.shutdown()
    assert code == 0 and stopped_after < 25, (code, stopped_after)
    assert SlowShop.answered.is_set()
    assert DurableJob.objects.get(pk=running.pk).done_at is not None  # finished, not cut off
    # The delayed job it held is back in the broker's delay queue for another worker.
    queued = [m.decode() for m in redis.lrange(DELAY_QUEUE, 0, -1)]
    messages = [json.loads(redis.hget(f"{DELAY_QUEUE}.msgs", m) or "{}") for m in queued]
    assert {"actor_name": "run_durable_job_task", "args": [later.pk]} in [
        {"actor_name": m.get("actor_name"), "args": m.get("args")} for m in messages
    ], messages
    assert DurableJob.objects.get(pk=later.pk).done_at is None
