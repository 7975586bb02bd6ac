"""Production settings: `check --deploy` is clean with the required variables, and they refuse to start
without a secret key, a database, a Redis or (on several machines) shared search and storage; asgi/wsgi
default to them. Each check runs in a child process with a controlled environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def _base_env() -> dict[str, str]:
    skip = ("DJANGO_", "DATABASE_URL", "REDIS_", "SEARCH_URL", "AWS_", "SINGLE_MACHINE", "BROKER_URL")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


#: Alipay is required in production (SPEC F1); tests/commerce/payments/test_production_settings.py checks why.
ALIPAY_ENV = {
    "ALIPAY_APP_ID": "2021000000000001",
    "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
    "ALIPAY_APP_PRIVATE_KEY_FILE": str(BASE_DIR / "var" / "alipay-sandbox" / "app_private_key.pem"),
    "ALIPAY_PUBLIC_KEY_FILE": str(BASE_DIR / "var" / "alipay-sandbox" / "alipay_public_key.pem"),
}
SERVICES_ENV = {
    "DATABASE_URL": f"sqlite:///{BASE_DIR / 'var' / 'production-check.sqlite3'}",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SINGLE_MACHINE": "true",
}


def full_env(**env: str) -> dict[str, str]:
    required = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        **ALIPAY_ENV,
        **SERVICES_ENV,
    }
    merged = {**_base_env(), **required, **env}
    return {k: v for k, v in merged.items() if v != "<unset>"}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=full_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_required_variables_prints_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_SECRET_KEY="<unset>")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_database_or_redis(missing):
    result = run_manage("check", **{missing: "<unset>"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_redis_sentinels_stand_in_for_redis_url():
    result = run_manage("check", REDIS_URL="<unset>", REDIS_SENTINELS="127.0.0.1:26379", REDIS_SENTINEL_MASTER="m")
    assert result.returncode == 0, result.stderr


def test_several_machines_need_elasticsearch_and_a_bucket():
    whoosh = run_manage("check", SINGLE_MACHINE="<unset>")
    assert whoosh.returncode != 0 and "SEARCH_URL" in whoosh.stderr and "SINGLE_MACHINE" in whoosh.stderr
    local_files = run_manage("check", SINGLE_MACHINE="<unset>", SEARCH_URL="http://127.0.0.1:9200/")
    assert local_files.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in local_files.stderr
    fleet = run_manage(
        "check",
        SINGLE_MACHINE="<unset>",
        SEARCH_URL="http://127.0.0.1:9200/",
        AWS_STORAGE_BUCKET_NAME="meihao",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert fleet.returncode == 0, fleet.stderr


def test_trusted_proxies_must_be_addresses():
    result = run_manage("check", TRUSTED_PROXIES="10.0.0.0/8,load-balancer")
    assert result.returncode != 0 and "TRUSTED_PROXIES" in result.stderr


@pytest.mark.parametrize("entry", ["config.asgi", "config.wsgi"])
def test_asgi_and_wsgi_default_to_production_settings(entry):
    code = f"import {entry}; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    env = full_env(DJANGO_SETTINGS_MODULE="<unset>")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False"]
    forgot_everything = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=_base_env(), capture_output=True, text=True, timeout=120
    )
    assert forgot_everything.returncode != 0, "a bare environment must not start on development settings"
