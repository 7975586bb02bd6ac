"""Production: every secret and service address comes from the environment and there is no default for any
of them: no silent fallback to SQLite, a local Redis, a Whoosh folder or local media on a fleet."""

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AWS_STORAGE_BUCKET_NAME, HAYSTACK_CONNECTIONS, TRUSTED_PROXIES, env

# base.py fills in development defaults (SQLite, redis://127.0.0.1:6379/0); production takes none of them.
# (base.py has already read .env into the environment, so these may come from there too.)
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Set the DATABASE_URL environment variable (postgres://user:password@host/name)")
if not (os.environ.get("REDIS_URL") or os.environ.get("REDIS_SENTINELS")):
    raise ImproperlyConfigured(
        "Set the REDIS_URL environment variable (redis://host:6379/0), or REDIS_SENTINELS and REDIS_SENTINEL_MASTER"
    )

# One machine (web, worker and scheduler sharing one disk) may keep the Whoosh index, media and static pages
# in local folders; several machines must not, or each serves its own partial copy. Say which it is.
SINGLE_MACHINE = env.bool("SINGLE_MACHINE", default=False)
if not SINGLE_MACHINE:
    if "PATH" in HAYSTACK_CONNECTIONS["default"]:
        raise ImproperlyConfigured(
            "Search is the Whoosh folder of this machine: set SEARCH_URL (Elasticsearch 7 with ik) for several "
            "machines, or SINGLE_MACHINE=true if web, worker and scheduler share this one disk"
        )
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "Media and static pages are in local folders: set AWS_STORAGE_BUCKET_NAME (and AWS_*) for several "
            "machines, or SINGLE_MACHINE=true if web, worker and scheduler share this one disk"
        )
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or network") from _error

DEBUG = False
RELEASE_COLLECTSTATIC = True  # manage.py release runs collectstatic after migrate (manifest static storage)
SECRET_KEY = env("DJANGO_SECRET_KEY")  # ImproperlyConfigured when missing: refuse to start.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Wagtail's live preview panel frames our own pages, so same-origin framing must stay allowed;
# DENY would break previews for editors. Cross-origin framing is still refused.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=465)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="美好商城 <noreply@example.com>")

# Accounts (SPEC A3, A5): real QQ (graph.qq.com) and real SMS (Aliyun) unless told otherwise; the local QQ
# stand-in is never mounted. QQ login stays unusable until QQ_CLIENT_ID/QQ_CLIENT_SECRET are set.
QQ_OAUTH_BASE_URL = env("QQ_OAUTH_BASE_URL", default="https://graph.qq.com")
QQ_STANDIN_ENABLED = False
SOCIALACCOUNT_PROVIDERS["qq"]["APPS"] = [  # noqa: F405
    {"client_id": env("QQ_CLIENT_ID", default=""), "secret": env("QQ_CLIENT_SECRET", default="")}
]
SMS_BACKEND = env("SMS_BACKEND", default="commerce.accounts.sms_backends.AliyunSmsBackend")

# Payments (SPEC F1-F7): real Alipay only. No defaults: the app id, both keys and the gateway must be given,
# and the offline sandbox (a path on this site, or any plain-http / local gateway) refuses to start.
ALIPAY_SANDBOX_ENABLED = False
ALIPAY_APP_ID = env("ALIPAY_APP_ID")
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY")
_alipay_gateway = ALIPAY_GATEWAY.strip().lower()
if (
    not _alipay_gateway.startswith("https://")
    or "alipay-sandbox" in _alipay_gateway
    or any(host in _alipay_gateway for host in ("://127.", "://localhost", "://[::1]", "://0.0.0.0"))
):
    raise ImproperlyConfigured(
        f"ALIPAY_GATEWAY={ALIPAY_GATEWAY!r} is the offline sandbox or not an https Alipay gateway; "
        "use https://openapi.alipay.com/gateway.do in production"
    )
for _name in ("ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"):
    if not (env(_name, default="") or env(f"{_name}_FILE", default="")):
        raise ImproperlyConfigured(f"Set the {_name} (PEM text) or {_name}_FILE environment variable")
