"""Health probes (SPEC M): /healthz answers without I/O, before redirects, host checks, static pages,
sessions and auth; /readyz checks database, Redis, broker and storage and names what failed with a 503."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from config.embedded_redis import _free_port
from config.logs import JsonFormatter, RequestIdFilter

BASE_DIR = Path(__file__).resolve().parents[2]


def test_healthz_does_no_io_and_ignores_host_and_https_redirects(client, settings):
    """No database (pytest-django refuses any query here) and a dead Redis: liveness still answers."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{_free_port()}/0"}
    }
    response = client.get("/healthz", HTTP_HOST="10.0.0.12:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies and "Vary" not in response


@pytest.mark.django_db
def test_readyz_reports_every_service(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "broker", "storage"}
    assert all(value.startswith("ok") for value in body["checks"].values())


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], "LOCATION": dead, "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1}}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert "Connection" in body["checks"]["redis"]


@pytest.mark.django_db
def test_readyz_names_the_storage_when_the_bucket_is_unreachable(client, settings):
    from botocore.config import Config

    settings.STORAGES = {
        **django_settings.STORAGES,
        "static_pages": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "meihao",
                "endpoint_url": f"http://127.0.0.1:{_free_port()}",
                "access_key": "test",
                "secret_key": "test",
                "client_config": Config(connect_timeout=1, retries={"max_attempts": 1}),
            },
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


@pytest.mark.django_db
def test_every_request_gets_an_id_that_its_log_lines_carry(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page-for-the-log/", HTTP_X_REQUEST_ID="lb-1234")
        forged = client.get("/no-such-page-for-the-log/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "lb-1234"
    assert forged["X-Request-ID"] != "bad id\nwith newline" and len(forged["X-Request-ID"]) == 32
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["lb-1234", forged["X-Request-ID"]]
    assert lines[0]["level"] == "WARNING" and "/no-such-page-for-the-log/" in lines[0]["message"]


def test_log_format_json_prints_one_json_object_per_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", LOG_FORMAT="json")
    code = (
        "import django; django.setup(); import logging\n"
        "log = logging.getLogger('meihao.test')\n"
        "log.warning('库存不足 %s', 3, extra={'sku_id': 7})\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('出错了')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == len(result.stderr.splitlines()) == 2
    assert lines[0]["message"] == "库存不足 3" and lines[0]["sku_id"] == 7 and lines[0]["request_id"] == "-"
    assert "ZeroDivisionError" in lines[1]["exception"]
