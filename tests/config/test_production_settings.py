"""Production settings: `check --deploy` is clean with the required variables, and they refuse to start
without a secret key. Each check runs manage.py in a child process with a controlled environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


#: Alipay is required in production (SPEC F1); tests/commerce/payments/test_production_settings.py checks why.
ALIPAY_ENV = {
    "ALIPAY_APP_ID": "2021000000000001",
    "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
    "ALIPAY_APP_PRIVATE_KEY_FILE": str(BASE_DIR / "var" / "alipay-sandbox" / "app_private_key.pem"),
    "ALIPAY_PUBLIC_KEY_FILE": str(BASE_DIR / "var" / "alipay-sandbox" / "alipay_public_key.pem"),
}


def test_check_deploy_with_required_variables_prints_no_warning():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="shop.example.com", **ALIPAY_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
