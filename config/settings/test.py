"""Settings for pytest: a real Redis (REDIS_URL, or an embedded server started here), SQLite or
PostgreSQL through DATABASE_URL, fast password hashing."""

import os

from config.embedded_redis import ensure_redis_url

os.environ["REDIS_URL"] = ensure_redis_url(os.environ.get("REDIS_URL"))

from .base import BASE_DIR, DATABASES  # noqa: E402
from .local import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # A file, not :memory:, so worker threads, Daphne and Playwright journeys share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
else:
    # The suite creates and drops its database; pooled connections held by worker threads would block the drop.
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

# Search index and static pages in a folder of this run, removed when the run ends.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from .base import HAYSTACK_CONNECTIONS  # noqa: E402

_RUN_DIR = Path(tempfile.mkdtemp(prefix="meihao-test-"))
_RUN_PID = os.getpid()
atexit.register(lambda: os.getpid() == _RUN_PID and shutil.rmtree(_RUN_DIR, ignore_errors=True))
if "PATH" in HAYSTACK_CONNECTIONS["default"]:
    HAYSTACK_CONNECTIONS["default"]["PATH"] = str(_RUN_DIR / "whoosh_index")
STATIC_PAGES_ROOT = _RUN_DIR / "static_pages"
