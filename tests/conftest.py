"""Shared fixtures: a clean real Redis per test, a real Dramatiq worker, a Daphne server in its own
process (HTTP + websockets against the test database) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from functools import partial

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def clean_redis():
    """Every test starts on an empty Redis database (cache, channel layer and broker share it)."""
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()
    yield


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


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker):
    """Daphne serving config.asgi in a forked process on the test database; yields its base URL."""
    from channels.testing.live import make_application, set_database_connection
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    process = DaphneProcess(
        "127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler), setup=set_database_connection
    )
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("Daphne did not start")
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright (scripts/install_chromium.sh installs it for `make test`)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
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
    wrote in one test must never be served in another. Daphne (forked once) keeps the run-wide folder."""
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"


def pytest_configure(config):
    # Playwright's sync API runs an event loop; Django's async-unsafe guard would refuse ORM calls in tests.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    assert settings  # settings are configured by pytest-django before this runs
