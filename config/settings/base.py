"""Settings shared by every environment. No secrets here: they come from the environment."""

import os
from decimal import Decimal
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy
from redis.connection import parse_url as parse_redis_url

from config.compiled import refuse_stale

# Every process reads these settings before it imports an app: none runs a compiled module older than its source
# (config/compiled.py; `make compiled` builds them again).
refuse_stale()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Proxies (addresses or networks) whose X-Forwarded-For hops are believed when finding the client's address
# for rate limits (config.client_address). Empty: the connection's own address is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "cms.users_app.ShopUsersAppConfig",  # wagtail.users, with email/名/姓 optional in the user form
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Infrastructure
    "channels",
    "django_dramatiq",
    "dramatiq_crontab",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "haystack",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Meihao Mall
    "commerce.accounts",
    "commerce.accounts.qq",
    "commerce.accounts.qq_standin",
    "commerce.catalog",
    "commerce.cart",
    "commerce.orders",
    "commerce.payments",
    "commerce.flashsales",
    "cms",
    "realtime",
    "tasks",
    "api",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",  # /healthz, /readyz: before redirects, static pages, sessions, auth
    "config.logs.RequestIdMiddleware",
    "config.redis_outage.RedisOutageMiddleware",  # Redis down anywhere below -> 503, not 500
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.static_serving.StaticPageMiddleware",  # pre-rendered / and /goods/<id>/, no database (SPEC B6)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.locale.ChosenLanguageMiddleware",
    "config.http_guards.CommonMiddleware",  # no slash redirect for POSTs (a 500 under DEBUG)
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commerce.cart.middleware.CartCookieMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cms.sites.KnownSiteMiddleware",  # Wagtail's pages get the request's Site from memory (cms/sites.py)
]
# Under Daphne the chain above runs sync, each request in one thread of a pool of this many per process
# (config/asgi_handler.py): the requests inside Django at once; more wait for a free thread. Keep it under
# DATABASE_POOL_MAX so every busy thread can hold a connection, with a few left for other threads.
WEB_THREADS = env.int("WEB_THREADS", default=16)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "commerce.catalog.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite by default (IMMEDIATE transactions and WAL so concurrent writers queue instead of failing);
# DATABASE_URL switches to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # A connection pool per process (psycopg_pool): each request takes a connection and gives it back at its
    # end, so the process holds only what its busy threads use (at most WEB_THREADS requests at once, plus
    # other threads). With DATABASE_POOL=false, CONN_MAX_AGE > 0 keeps one connection per thread that ever
    # served a request or a job.
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=1),
            "max_size": env.int("DATABASE_POOL_MAX", default=20),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Redis: cache, sessions, channel layer and (by default) the Dramatiq broker -----------------------
# REDIS_URL names one server. REDIS_SENTINELS (host:port,host:port) switches every Redis client to the master
# that those sentinels elect for REDIS_SENTINEL_MASTER; REDIS_URL then only gives the database number and the
# password (its host is ignored). config/redis_clients.py builds each client from these three settings.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
REDIS_SENTINELS = [
    (host.rsplit(":", 1)[0], int(host.rsplit(":", 1)[1])) for host in env.list("REDIS_SENTINELS", default=[])
]
REDIS_SENTINEL_MASTER = env("REDIS_SENTINEL_MASTER", default="mymaster")
if REDIS_SENTINELS:
    from config.redis_clients import sentinel_cache_location  # noqa: E402

    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": sentinel_cache_location(REDIS_URL, REDIS_SENTINEL_MASTER),
            "KEY_PREFIX": "mh",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.SentinelClient",
                "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
                "SENTINELS": REDIS_SENTINELS,
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 5,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mh",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
# Per-process caches for things that never need sharing between processes and must not cost a Redis round trip
# (or a write) on every page view. "renditions": Wagtail stores every rendition it uses in this alias (on each
# use, even when prefetched); keys carry the image's file hash and focal point, so an edited image gets new
# keys and no process serves a stale one. "template_fragments": Django's {% cache %} tag; fragments that depend
# on shared data put that data's version (read from Redis) in their key, e.g. the category menu.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "renditions",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 20000},
}
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Channel layer (SPEC G): the one place it is configured. docs/realtime.md says why this layer ----------
# realtime.layers.RedisFanoutChannelLayer: one Redis pub/sub subscription per Daphne process per watched group
# with local fan-out, no idle read timeout, bounded per-socket queues (CHANNEL_LAYER_CAPACITY messages, oldest
# dropped) and a resync of every open socket after Redis comes back. "hosts" takes one Redis URL, or a dict
# in channels-redis's format (Sentinel: {"master_name": ..., "sentinels": [(host, port)], ...}).
CHANNEL_LAYER_REDIS_URL = env("CHANNEL_LAYER_REDIS_URL", default=REDIS_URL)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "realtime.layers.RedisFanoutChannelLayer",
        "CONFIG": {
            "hosts": [CHANNEL_LAYER_REDIS_URL],
            # Redis pub/sub is server-wide, not per database: the prefix carries the database number, so two shops
            # (or two test runs) on one Redis server never hear each other's events.
            "prefix": f"mh:asgi:{parse_redis_url(CHANNEL_LAYER_REDIS_URL).get('db', 0)}",
            "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=100),
        },
    }
}
# Open websockets one client address may hold on one Daphne process; more are accepted and closed at once
# with code 4429 (realtime.limits). The address is Daphne's peer, or X-Forwarded-For with --proxy-headers.
REALTIME_MAX_SOCKETS_PER_ADDRESS = env.int("REALTIME_MAX_SOCKETS_PER_ADDRESS", default=200)

if REDIS_SENTINELS:  # a sentinel host entry in channels-redis's format: {"sentinels", "master_name", db, password}
    from config.redis_clients import sentinel_channel_host  # noqa: E402

    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
        sentinel_channel_host(REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER)
    ]

# Dramatiq: BROKER_URL=amqp://… is RabbitMQ (pika), redis://… a Redis server of its own; unset, the Redis above
# (through the sentinels when REDIS_SENTINELS is set).
BROKER_URL = env("BROKER_URL", default="")
if BROKER_URL.startswith(("amqp://", "amqps://")):
    _broker = {"BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker", "OPTIONS": {"url": BROKER_URL}}
elif REDIS_SENTINELS and not BROKER_URL:
    _broker = {
        "BROKER": "config.redis_clients.SentinelRedisBroker",
        "OPTIONS": {
            "url": REDIS_URL,
            "sentinels": REDIS_SENTINELS,
            "master_name": REDIS_SENTINEL_MASTER,
            "namespace": "mh-dramatiq",
        },
    }
else:
    _broker = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {"url": BROKER_URL or REDIS_URL, "namespace": "mh-dramatiq"},
    }
DRAMATIQ_BROKER = {
    **_broker,
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.Callbacks",
        "dramatiq.middleware.Retries",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
        "tasks.middleware.SingleStopSignal",  # a group SIGTERM must not read as "kill now" (tasks/middleware.py)
    ],
}
# An idle worker polls the broker with a backoff of up to this many ms: the delay of the first job after a quiet
# spell (a live stock push waited 0.5 s on average at Dramatiq's 1,000). Dramatiq reads it from the environment
# of the `dramatiq` process that `manage.py rundramatiq` execs, hence os.environ (docs/realtime.md).
DRAMATIQ_WORKER_TIMEOUT_MS = env.int("DRAMATIQ_WORKER_TIMEOUT_MS", default=100)
os.environ.setdefault("dramatiq_worker_timeout", str(DRAMATIQ_WORKER_TIMEOUT_MS))
# "tasks" finds dramatiq_crontab.tasks (its heartbeat cron job); our own actors are imported by tasks.apps.
DRAMATIQ_AUTODISCOVER_MODULES = ["actors", "tasks"]
# The scheduler's leader lock (tasks/management/commands/scheduler.py): held for LOCK_TIMEOUT seconds and
# renewed every LOCK_REFRESH_INTERVAL; a standby scheduler takes over once it expires. Behind sentinels the
# scheduler takes its lock on the elected master (config.redis_clients), so REDIS_URL's host is not used.
DRAMATIQ_CRONTAB = {
    "REDIS_URL": REDIS_URL,
    "LOCK_TIMEOUT": env.int("SCHEDULER_LOCK_SECONDS", default=10),
    "LOCK_REFRESH_INTERVAL": env.int("SCHEDULER_LOCK_REFRESH_SECONDS", default=3),
}
# The recovery tick of every delayed job (tasks.actors.durable.dispatch_due_jobs_task): how often the scheduler
# sends it. A job whose message a crashed worker or a restarted Redis dropped is done within about this + 5 s.
DURABLE_DISPATCH_SECONDS = env.int("DURABLE_DISPATCH_SECONDS", default=15)

# --- i18n: Chinese first, English available; Beijing time --------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media ------------------------------------------------------------------------------
# Media (Wagtail images and documents) and the pre-rendered pages (SPEC B6) go through Django storages:
# local folders by default; AWS_STORAGE_BUCKET_NAME puts both in one S3-compatible bucket (django-storages +
# boto3; AWS_S3_ENDPOINT_URL for MinIO, Ceph, OSS, COS…), so every machine reads what any worker wrote.
# Web processes serve both from the storage: /media/<name> (config.media.serve_media) and the static pages
# (cms.static_serving). Static files (CSS/JS) are collected on each machine by the release step (WhiteNoise).
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STATIC_PAGES_ROOT = Path(env("STATIC_PAGES_ROOT", default="") or BASE_DIR / "var" / "static_pages")
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "static_pages": {"BACKEND": "cms.static_page_builder.StaticPagesFileStorage"},  # location: STATIC_PAGES_ROOT
}
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default="") or None  # empty: Amazon S3 itself
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="") or None
    AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default="") or None  # empty: boto3's own chain (IAM role…)
    AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", default="") or None  # "path" for most self-hosted
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default="") or None  # a CDN: media URLs point at it
    AWS_DEFAULT_ACL = None  # the bucket's own policy decides; objects are private unless it says otherwise
    AWS_S3_FILE_OVERWRITE = False  # two uploads of "photo.jpg" never replace each other
    AWS_QUERYSTRING_AUTH = False
    _bucket = {"bucket_name": AWS_STORAGE_BUCKET_NAME}
    STORAGES["default"] = {
        "BACKEND": "config.storage_backends.BucketMediaStorage",
        "OPTIONS": {**_bucket, "location": env("AWS_MEDIA_LOCATION", default="media")},
    }
    STORAGES["static_pages"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_bucket,
            "location": env("AWS_STATIC_PAGES_LOCATION", default="static-pages"),
            "file_overwrite": True,  # a rebuilt page replaces its object (one PUT, atomic for readers)
        },
    }

# --- Wagtail ---------------------------------------------------------------------------------------
# Lazy: the admin shows it in the admin user's language ("Meihao Mall" in English, issue 15).
WAGTAIL_SITE_NAME = gettext_lazy("美好商城")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# --- Search (SPEC C1): Whoosh + jieba embedded; SEARCH_URL switches to Elasticsearch 7 with ik -------
SEARCH_URL = env("SEARCH_URL", default="")
if SEARCH_URL:
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "commerce.catalog.search_backends.IkElasticsearch7Engine",
            "URL": SEARCH_URL,
            "INDEX_NAME": env("SEARCH_INDEX_NAME", default="meihao"),
            "TIMEOUT": env.int("SEARCH_TIMEOUT", default=10),
            # Never "0 results" for an unreachable ES: index jobs fail (and are retried), searches say so.
            "SILENTLY_FAIL": False,
        }
    }
else:
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "commerce.catalog.search_backends.ChineseWhooshEngine",
            "PATH": env("WHOOSH_INDEX_PATH", default="") or str(BASE_DIR / "var" / "whoosh_index"),
        }
    }
HAYSTACK_SIGNAL_PROCESSOR = "commerce.catalog.search_signals.QueuedSignalProcessor"
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20


# --- Accounts (SPEC A1-A5, A7): django-allauth plus captcha, SMS codes and QQ login ------------------
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "phone*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "commerce.accounts.forms.RegisterForm", "login": "commerce.accounts.forms.LoginForm"}
ACCOUNT_ADAPTER = "commerce.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = False  # the live "already taken" checks (A1) reveal it anyway
ACCOUNT_PHONE_VERIFICATION_ENABLED = False  # mobiles are verified by our SMS code before they are stored
ACCOUNT_SESSION_REMEMBER = None  # "remember me" box on the login form
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env("ACCOUNT_LOGIN_FAILED_RATE", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
}
SOCIALACCOUNT_ADAPTER = "commerce.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "qq": {
        "APPS": [
            {
                "client_id": env("QQ_CLIENT_ID", default="101518219"),
                "secret": env("QQ_CLIENT_SECRET", default="meihao-local-qq-secret"),
            }
        ],
        "SCOPE": ["get_user_info"],
    }
}
# Empty: the local QQ stand-in (/qq-sim/) on the host that serves the request. Production: https://graph.qq.com
QQ_OAUTH_BASE_URL = env("QQ_OAUTH_BASE_URL", default="")
QQ_STANDIN_ENABLED = env.bool("QQ_STANDIN_ENABLED", default=not QQ_OAUTH_BASE_URL)
QQ_OAUTH_TIMEOUT = env.int("QQ_OAUTH_TIMEOUT", default=10)
QQ_BIND_TOKEN_MAX_AGE = 600

CAPTCHA_TIMEOUT = 300
CAPTCHA_PER_IP_PER_MINUTE = env.int("CAPTCHA_PER_IP_PER_MINUTE", default=30)
SMS_BACKEND = env("SMS_BACKEND", default="commerce.accounts.sms_backends.OutboxBackend")
SMS_CODE_TIMEOUT = 300
SMS_RESEND_INTERVAL = 60
SMS_MAX_ATTEMPTS = 5
SMS_DAILY_LIMIT_PER_MOBILE = env.int("SMS_DAILY_LIMIT_PER_MOBILE", default=10)
SMS_DAILY_LIMIT_PER_IP = env.int("SMS_DAILY_LIMIT_PER_IP", default=50)
SMS_ALIYUN = {
    "ACCESS_KEY_ID": env("ALIYUN_SMS_ACCESS_KEY_ID", default=""),
    "ACCESS_KEY_SECRET": env("ALIYUN_SMS_ACCESS_KEY_SECRET", default=""),
    "SIGN_NAME": env("ALIYUN_SMS_SIGN_NAME", default="美好商城"),
    "TEMPLATE_CODE": env("ALIYUN_SMS_TEMPLATE_CODE", default=""),
    "ENDPOINT": env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"),
    "REGION_ID": env("ALIYUN_SMS_REGION_ID", default="cn-hangzhou"),
}
PASSWORD_RESET_TOKEN_MAX_AGE = 600

# --- Email activation and user center (SPEC A6, A8, A9) --------------------------------------------
# Links are HMAC-signed (no row per link) and expire after a day; a new address replaces the current one
# only once its link is clicked. Mail is rendered in the request and sent by tasks.actors.mail.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_CONFIRMATION_HMAC = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1
ACCOUNT_EMAIL_SUBJECT_PREFIX = "【美好商城】"
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/center/"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="美好商城 <noreply@meihao.local>")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
SHOP_AREA_CACHE_SECONDS = 24 * 3600

# --- Shop ------------------------------------------------------------------------------------------
SHOP_LIST_PAGE_SIZE = 20
SHOP_HOT_SKU_COUNT = 5
SHOP_HOT_SKU_CACHE_SECONDS = 300
# Dynamic pages a logged-out visitor gets, kept per process under everything they show (commerce/page_memo.py):
# at most this many (0 turns the memo off), each at most this long (the fragments' bound for an edit that
# bypasses save()).
PAGE_MEMO_ENTRIES = env.int("PAGE_MEMO_ENTRIES", default=500)
PAGE_MEMO_SECONDS = 300

# --- Cart (SPEC D1-D4) -----------------------------------------------------------------------------
CART_COOKIE_NAME = "cart"
CART_COOKIE_MAX_AGE = env.int("CART_COOKIE_MAX_AGE", default=14 * 24 * 3600)  # anonymous cart kept 14 days
CART_MAX_ITEMS = env.int("CART_MAX_ITEMS", default=50)  # distinct SKUs per cart
CART_MAX_COUNT_PER_SKU = env.int("CART_MAX_COUNT_PER_SKU", default=99)

# --- Orders, coupons and points (SPEC E1-E8) -------------------------------------------------------
ORDER_FREIGHT = Decimal(env("ORDER_FREIGHT", default="10.00"))  # yuan per order
ORDER_UNPAID_TIMEOUT_SECONDS = env.int("ORDER_UNPAID_TIMEOUT_SECONDS", default=30 * 60)  # E5
# Flash sales (issue 17): 15 minutes to pay a flash order; presses of 抢购 per address and per account
# allowed in each window (more answer "操作太频繁").
FLASH_SALE_PAY_SECONDS = 15 * 60
FLASH_SALE_RATE_PER_ADDRESS = 20
FLASH_SALE_RATE_PER_ACCOUNT = 5
FLASH_SALE_RATE_WINDOW_MS = 1000
# After the gate answers 已抢光, each web process refuses that sale's presses itself for this long (no Redis, no
# shopper checks: the answer is the sale page's own public state); a unit coming back waits at most this long.
FLASH_SOLD_OUT_MEMO_MS = env.int("FLASH_SOLD_OUT_MEMO_MS", default=500)
# Presses of one sale a web process has at the gate at once; more wait (parked, unchecked) for a free place, so
# that once the gate says 已抢光 the rest of a crowd is refused without the ticket, CSRF and Redis work.
FLASH_PRESSES_IN_FLIGHT = env.int("FLASH_PRESSES_IN_FLIGHT", default=32)
# An accepted press asks a worker to start turning the queue into orders this much later: the crowd that came with
# it is answered first (placing orders takes the worker's and PostgreSQL's CPU, which on a small machine is the
# web process's too); the shopper sees 排队中 meanwhile. Presses accepted later join the running drain.
FLASH_DRAIN_DELAY_MS = env.int("FLASH_DRAIN_DELAY_MS", default=1000)
ORDER_TOKEN_TTL_SECONDS = env.int("ORDER_TOKEN_TTL_SECONDS", default=2 * 60 * 60)  # E2 checkout page lifetime
ORDER_LIST_PAGE_SIZE = 5
POINTS_PER_YUAN = env.int("POINTS_PER_YUAN", default=100)  # spending: 100 points = 1 yuan
POINTS_MAX_RATIO = Decimal(env("POINTS_MAX_RATIO", default="0.5"))  # at most 50% of the goods amount
POINTS_EARN_PER_YUAN = env.int("POINTS_EARN_PER_YUAN", default=1)  # earning on a finished order

# --- Payments (SPEC F1-F7): Alipay page pay through python-alipay-sdk --------------------------------
# Keys are PEM text (ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY; bare base64 is accepted too) or files
# (*_FILE). ALIPAY_GATEWAY is the full gateway URL, or a path on this site for the offline sandbox.
# Empty return/notify URLs mean /payment/status/ and /payment/alipay/notify/ on the host of the request.
# Development and tests default to the offline sandbox (config/settings/local.py); production requires all.
ALIPAY_APP_ID = env("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env("ALIPAY_APP_PRIVATE_KEY", default="")
ALIPAY_APP_PRIVATE_KEY_FILE = env("ALIPAY_APP_PRIVATE_KEY_FILE", default="")
ALIPAY_PUBLIC_KEY = env("ALIPAY_PUBLIC_KEY", default="")
ALIPAY_PUBLIC_KEY_FILE = env("ALIPAY_PUBLIC_KEY_FILE", default="")
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default="")
ALIPAY_RETURN_URL = env("ALIPAY_RETURN_URL", default="")
ALIPAY_NOTIFY_URL = env("ALIPAY_NOTIFY_URL", default="")
ALIPAY_SELLER_ID = env("ALIPAY_SELLER_ID", default="")  # when set, messages naming another seller are refused
ALIPAY_TIMEOUT_SECONDS = env.int("ALIPAY_TIMEOUT_SECONDS", default=15)
ALIPAY_QUERY_DELAY_SECONDS = env.int("ALIPAY_QUERY_DELAY_SECONDS", default=3)  # F4: give the notify a head start
ALIPAY_SANDBOX_ENABLED = False

# --- JSON API for apps and mini-programs (/api/v1/, docs/api.md) ---------------------------------------------
from datetime import timedelta  # noqa: E402

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser", "rest_framework.parsers.FormParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.AddressRateThrottle", "api.throttles.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "address": env("API_THROTTLE_ADDRESS", default="600/min"),
        "user": env("API_THROTTLE_USER", default="300/min"),
        "login": env("API_THROTTLE_LOGIN", default="20/min"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "美好商城 API",
    "DESCRIPTION": "JSON API for apps and mini-programs over the shop's services (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["api.schema.only_api_v1"],
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}},
}


# LOG_FORMAT=json: one JSON object per line (config.logs.JsonFormatter); both formats carry the request id.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},  # the scheduler otherwise logs its lock refresh every 5 s
        "jieba": {"level": "WARNING"},
    },
}
