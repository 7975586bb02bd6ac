"""Development on embedded defaults: SQLite, the embedded Redis (REDIS_URL set by scripts/run.py),
console mail, local media. Everything can still be switched by environment variables."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret-meihao-mall-local-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# --- Payments (SPEC F7): the offline Alipay sandbox at /alipay-sandbox/ on this site ------------------------
# Its own "Alipay" key pair and the shop's sandbox app key pair are generated on first run into
# var/alipay-sandbox/ (ignored by git). These ALIPAY_SANDBOX_* settings are the sandbox's side and have nothing
# to do with production keys; the shop's client (ALIPAY_*) simply defaults to the sandbox's values here.
from pathlib import Path  # noqa: E402

from commerce.payments.sandbox import keys as _sandbox_keys  # noqa: E402

from .base import BASE_DIR  # noqa: E402

ALIPAY_SANDBOX_ENABLED = env.bool("ALIPAY_SANDBOX_ENABLED", default=True)
ALIPAY_SANDBOX_KEY_DIR = Path(env("ALIPAY_SANDBOX_KEY_DIR", default=str(BASE_DIR / "var" / "alipay-sandbox")))
if ALIPAY_SANDBOX_ENABLED:
    _sandbox_keys.ensure_sandbox_keys(ALIPAY_SANDBOX_KEY_DIR)
ALIPAY_SANDBOX_APP_ID = "2021000000000001"  # the one app the sandbox knows
ALIPAY_SANDBOX_SELLER_ID = "2088000000000001"
ALIPAY_SANDBOX_PRIVATE_KEY_FILE = str(ALIPAY_SANDBOX_KEY_DIR / _sandbox_keys.ALIPAY_PRIVATE)
ALIPAY_SANDBOX_APP_PUBLIC_KEY_FILE = str(ALIPAY_SANDBOX_KEY_DIR / _sandbox_keys.APP_PUBLIC)
# Where server-side SDK calls (trade query and refund from the worker) reach this site's web process when
# ALIPAY_GATEWAY is a path; the browser is always sent to the host it is on. Explicit, never derived from PORT:
# honcho gives every Procfile process its own PORT (web $PORT, worker $PORT+100, scheduler $PORT+200), and the
# worker must call the web process. scripts/run.py sets it from the web's port for all processes alike.
ALIPAY_SANDBOX_SITE_URL = env("ALIPAY_SANDBOX_SITE_URL", default="http://127.0.0.1:8000")
ALIPAY_SANDBOX_NOTIFY_DELAY_MS = env.int("ALIPAY_SANDBOX_NOTIFY_DELAY_MS", default=0)

ALIPAY_APP_ID = env("ALIPAY_APP_ID", default=ALIPAY_SANDBOX_APP_ID)
ALIPAY_SELLER_ID = env("ALIPAY_SELLER_ID", default=ALIPAY_SANDBOX_SELLER_ID)
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default="/alipay-sandbox/gateway.do")
ALIPAY_APP_PRIVATE_KEY_FILE = env(
    "ALIPAY_APP_PRIVATE_KEY_FILE", default=str(ALIPAY_SANDBOX_KEY_DIR / _sandbox_keys.APP_PRIVATE)
)
ALIPAY_PUBLIC_KEY_FILE = env(
    "ALIPAY_PUBLIC_KEY_FILE", default=str(ALIPAY_SANDBOX_KEY_DIR / _sandbox_keys.ALIPAY_PUBLIC)
)
