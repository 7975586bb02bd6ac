"""Liveness and readiness for load balancers and orchestrators (SPEC M).

``HealthCheckMiddleware`` is the first middleware, so the probes never reach security redirects, the
static-page middleware, sessions or authentication, and never look at the Host header (a balancer probes by
IP address):

- ``GET /healthz``: liveness. No I/O at all: 200 while the process can answer.
- ``GET /readyz``: readiness. Checks the database, Redis (cache and sessions), the Dramatiq broker and the
  media and static-page storages; 200 ``{"status": "ok", ...}`` when all answer, otherwise 503 naming each
  one that failed and why, so the balancer stops sending shoppers to a process that cannot serve them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
PROBE_NAME = "healthz-probe"  # an object name looked up (never created) in each storage


def check_database() -> None:
    from django.db import connections

    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def check_redis() -> None:
    from django_redis import get_redis_connection

    if not get_redis_connection("default").ping():
        raise ConnectionError("no PONG")


def check_broker() -> None:
    import dramatiq

    broker = dramatiq.get_broker()
    client = getattr(broker, "client", None)
    if client is not None:  # Redis broker (direct or through Sentinel)
        client.ping()
        return
    parameters = getattr(broker, "parameters", None)
    if parameters is not None:  # RabbitMQ: open and close one connection
        import pika

        connection = pika.BlockingConnection(parameters)
        connection.close()
        return
    raise RuntimeError(f"unknown broker {type(broker).__name__}")


def check_storages() -> None:
    from django.core.files.storage import storages

    for alias in ("default", "static_pages"):
        storages[alias].exists(PROBE_NAME)  # a HEAD on S3, a stat locally; raises when unreachable


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "storage": check_storages,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; (all passed, {name: "ok" or the error})."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready", and is reported by name
            results[name] = f"{type(error).__name__}: {error}"[:300]
            logger.warning("readiness check %s failed: %s", name, results[name])
        else:
            results[name] = f"ok ({(time.monotonic() - started) * 1000:.0f} ms)"
    return all(value.startswith("ok") for value in results.values()), results


def _json(status: int, payload: dict) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/")
        if path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return _json(200, {"status": "ok"})
        if path == READINESS_PATH and request.method in ("GET", "HEAD"):
            ready, checks = readiness()
            failed = [name for name, value in checks.items() if not value.startswith("ok")]
            payload = {"status": "ok" if ready else "fail", "checks": checks}
            if failed:
                payload["failed"] = failed
            return _json(200 if ready else 503, payload)
        return self.get_response(request)
