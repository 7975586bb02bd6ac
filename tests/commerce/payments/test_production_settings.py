"""Production settings and Alipay (SPEC F7, issue 5): the sandbox keys and the production keys are separate
settings, and production refuses to start with the offline sandbox gateway, without a gateway, or without
keys. Each case runs manage.py in a child process with a controlled environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
KEYS = BASE_DIR / "var" / "alipay-sandbox"
#: Production requires its services (tests/config/test_production_settings.py checks that).
SERVICES_ENV = {
    "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'production-check.sqlite3'}",
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    "SINGLE_MACHINE": "true",
}


def run_check(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALIPAY_"))}
    required = {
        **SERVICES_ENV,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "ALIPAY_APP_ID": "2021004100000000",
        "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
        "ALIPAY_APP_PRIVATE_KEY_FILE": str(KEYS / "app_private_key.pem"),
        "ALIPAY_PUBLIC_KEY_FILE": str(KEYS / "alipay_public_key.pem"),
    }
    full = {**base, **required, **env}
    full = {k: v for k, v in full.items() if v is not None and v != "<unset>"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=full, capture_output=True, text=True, timeout=120
    )


def test_production_starts_with_the_real_gateway_and_keys():
    result = run_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "gateway",
    [
        "/alipay-sandbox/gateway.do",
        "https://shop.example.com/alipay-sandbox/gateway.do",
        "http://127.0.0.1:8000/alipay-sandbox/gateway.do",
        "http://openapi.alipay.com/gateway.do",
        "https://localhost/gateway.do",
    ],
)
def test_production_refuses_the_offline_sandbox_or_a_plain_http_gateway(gateway):
    result = run_check(ALIPAY_GATEWAY=gateway)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ALIPAY_GATEWAY" in result.stderr


@pytest.mark.parametrize("missing", ["ALIPAY_GATEWAY", "ALIPAY_APP_ID"])
def test_production_refuses_to_start_without_gateway_or_app_id(missing):
    result = run_check(**{missing: "<unset>"})
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize("missing", ["ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"])
def test_production_refuses_to_start_without_keys(missing):
    result = run_check(**{f"{missing}_FILE": "<unset>"})
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_never_mounts_the_sandbox():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "assert settings.ALIPAY_SANDBOX_ENABLED is False\n"
        "assert not hasattr(settings, 'ALIPAY_SANDBOX_PRIVATE_KEY_FILE')\n"
        "try:\n    resolve('/alipay-sandbox/gateway.do')\nexcept Resolver404:\n    print('not mounted')\n"
        "else:\n    m = resolve('/alipay-sandbox/gateway.do'); print('resolved', m.view_name)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALIPAY_"))}
    env.update(
        **SERVICES_ENV,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="shop.example.com",
        ALIPAY_APP_ID="2021004100000000",
        ALIPAY_GATEWAY="https://openapi.alipay.com/gateway.do",
        ALIPAY_APP_PRIVATE_KEY_FILE=str(KEYS / "app_private_key.pem"),
        ALIPAY_PUBLIC_KEY_FILE=str(KEYS / "alipay_public_key.pem"),
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "resolved payments" not in result.stdout


def test_production_check_fails_when_a_key_file_cannot_be_read_or_is_no_key(tmp_path):
    missing = run_check(ALIPAY_APP_PRIVATE_KEY_FILE=str(tmp_path / "nowhere.pem"))
    assert missing.returncode != 0 and "payments.E001" in missing.stderr

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    broken = run_check(ALIPAY_PUBLIC_KEY_FILE=str(garbage))
    assert broken.returncode != 0 and "payments.E002" in broken.stderr
