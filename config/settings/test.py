"""Settings for pytest: a real Redis (REDIS_URL, or an embedded server started here), SQLite or
PostgreSQL through DATABASE_URL, fast password hashing."""

import os

from config.embedded_redis import ensure_redis_url

os.environ["REDIS_URL"] = ensure_redis_url(os.environ.get("REDIS_URL"))

from .local import *  # noqa: E402, F403
from .base import BASE_DIR, DATABASES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # A file, not :memory:, so worker threads, Daphne and Playwright journeys share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
