"""Shared fixtures: a clean real Redis per test, a real Dramatiq worker, a Daphne server in its own
process (HTTP + websockets against the test database) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import random

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Connections opened by Dramatiq worker threads, asgiref's thread pool (database_sync_to_async) and the
    Daphne child close after each job or request (CONN_MAX_AGE=0): an idle one left open would keep
    PostgreSQL from dropping the test database at the end of the run."""
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0


def pytest_addoption(parser):
    parser.addoption(
        "--test-order",
        default="file",
        help="file (default), reverse, random (a new seed, printed) or random:<seed> (repeat a shuffled run). "
        "Modules are shuffled and so are the tests inside each module; any order must pass.",
    )


def _test_order(config) -> tuple[str, int | None]:
    value = config.getoption("--test-order")
    if value.startswith("random"):
        _, _, seed = value.partition(":")
        if not hasattr(config, "_test_order_seed"):
            config._test_order_seed = int(seed) if seed else random.SystemRandom().randrange(10**6)
        return "random", config._test_order_seed
    if value not in ("file", "reverse"):
        raise pytest.UsageError(f"--test-order: expected file, reverse, random or random:<seed>, got {value!r}")
    return value, None


def pytest_report_header(config):
    order, seed = _test_order(config)
    if order == "random":
        return f"test order: random, seed {seed} (repeat with --test-order random:{seed})"
    return f"test order: {order}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Put the tests in the order --test-order asks for. Tests of one module stay together (module-scoped
    fixtures such as the browser start once per module); nothing has to run first or last.

    Runs before pytest-django's own (stable) sort, which then groups the tests as Django's runner does:
    database tests, then transactional ones (their flush empties the tables migrations filled: Wagtail's page
    tree, the areas), then the rest. The order inside each group is the one chosen here."""
    order, seed = _test_order(config)
    if order == "file":
        return
    modules: dict[object, list] = {}
    for item in items:
        modules.setdefault(item.path, []).append(item)
    groups = list(modules.values())
    if order == "reverse":
        groups = [group[::-1] for group in groups[::-1]]
    else:
        rng = random.Random(seed)
        rng.shuffle(groups)
        for group in groups:
            rng.shuffle(group)
    items[:] = [item for group in groups for item in group]


def pytest_sessionfinish(session, exitstatus):
    """Dropping the SQLite test database removes its file but not the WAL mode's -wal and -shm companions."""
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name and not os.path.exists(name):
        for suffix in ("-wal", "-shm"):
            if os.path.exists(name + suffix):
                os.remove(name + suffix)


@pytest.fixture(autouse=True)
def clean_redis():
    """Every test starts on an empty Redis database (cache, channel layer and broker share it)..."""
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()
    # ...and empty per-process caches: database ids repeat between tests, and these caches key by id.
    from django.core.cache import caches

    for alias in ("renditions", "template_fragments"):
        caches[alias].clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the shop's language: a request or an override a test before left active in this
    thread (English after an English page) would otherwise decide what language the next test's messages are in."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def empty_page_memo():
    """This process's kept pages (commerce.page_memo) emptied before and after the test: ids repeat between tests."""
    from commerce.page_memo import memo

    memo.clear()
    yield
    memo.clear()


@pytest.fixture
def dramatiq_broker():
    import dramatiq

    broker = dramatiq.get_broker()
    broker.flush_all()
    return broker


@pytest.fixture
def dramatiq_worker(dramatiq_broker, transactional_db):
    """A real Dramatiq worker consuming the Redis broker in this process (threads share the test DB)."""
    import dramatiq

    worker = dramatiq.Worker(dramatiq_broker, worker_timeout=100, worker_threads=2)
    worker.start()
    yield worker
    worker.stop()
    # Each Worker registers a middleware of its own on the shared broker; drop it so stopped workers of
    # earlier tests are not told about queues declared later.
    dramatiq_broker.middleware[:] = [m for m in dramatiq_broker.middleware if getattr(m, "worker", None) is not worker]


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, tmp_path_factory):
    """Daphne serving config.asgi on the test database in a process of its own (tests.live_daphne: started
    with exec, not forked, so it shares no SQLite state with this process); yields its base URL."""
    from tests import live_daphne

    child, url = live_daphne.start(tmp_path_factory.mktemp("daphne"))
    yield url
    child.stop(timeout=20)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright (scripts/install_chromium.sh installs it for `make test`).

    Module-scoped, not session-scoped: Playwright's sync API marks an event loop as running in the main thread
    for as long as it lives, and a pytest-asyncio test (or an async_to_sync call in the main thread) run while
    it lives fails with "cannot be called from a running event loop". Stopped at the end of each browser
    module, it leaves the tests after it a thread without a running loop, so browser modules can run anywhere."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API leaves its event loop marked as running in this thread for as long as the browser
        # lives (greenlets), so Django's async-unsafe guard refuses every ORM call of the browser tests themselves
        # (factories, checks, the flush after each test), none of which runs in an event loop. Set here only, for
        # the life of one browser module; the Daphne children drop it
        # (tests.live_daphne, tests.processes.child_env), so the consumers they serve are held to
        # production's rule: no database call inside the event loop.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _static_pages_root(settings, tmp_path):
    """Static page files per test (SPEC B6): ids restart after a transactional flush, so a page a worker
    wrote in one test must never be served in another. The Daphne test server keeps the run-wide folder."""
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"


def pytest_configure(config):
    assert settings  # settings are configured by pytest-django before this runs
    _flush_like_migrate()


def _flush_like_migrate() -> None:
    """A transactional test's flush re-creates the permissions (post_migrate) with names in whatever language
    the test before left active in the thread, while `migrate` runs with translations off: the English admin
    then showed Chinese permission names, depending on test order. Flush the way migrate does."""
    from django.core.management.base import no_translations
    from django.core.management.commands import flush

    if not getattr(flush.Command.handle, "flushes_like_migrate", False):
        flush.Command.handle = no_translations(flush.Command.handle)
        flush.Command.handle.flushes_like_migrate = True
