"""Daphne serving config.asgi on this run's test database, in a process started with exec (never forked from
pytest), as the real layout runs it.

A forked child would inherit SQLite's per-process state: the pytest process's threads (asgiref's sync thread,
Dramatiq's workers) can hold connections at the moment of the fork, and SQLite keeps one record per open
database file per process (its locks and the WAL index it maps from the -shm file). The child's own
connections then reuse the parent's record: it believes it holds locks that only the parent holds, and keeps
mapping the -shm file the parent later deletes (when the parent's last connection closes) and creates anew.
Reading a WAL index nobody updates any more, the child answered "database disk image is malformed" partway
through a shuffled run. SQLite's rule is to carry no open connection across fork(); an exec'd process has
nothing to carry.

Parent side: `start(log_dir, **overrides)`. Child side: `python -m tests.live_daphne`, which reads the
settings it must share with the test run (the test database, the search index and folders of this run) from
the environment, prints the address it listens on and serves until SIGTERM or until its parent is gone.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

SETTINGS_ENV = "MEIHAO_TEST_DAPHNE_SETTINGS"
PATH_SETTINGS = ("STATIC_PAGES_ROOT", "MEDIA_ROOT")
LISTENING = "daphne test server listening on "


def start(log_dir: Path, **overrides):
    """Start the child; returns (its tests.processes.Child handle, its base URL). `overrides` are settings
    (JSON values) set in the child on top of the ones it shares with this run."""
    from django.conf import settings
    from django.db import connections

    from config.settings import test as test_settings
    from tests.processes import Child, wait_until

    shared = {
        "DATABASES": {alias: connections[alias].settings_dict for alias in settings.DATABASES},
        # This run's folders as config.settings.test chose them (tests may point `settings` elsewhere).
        "HAYSTACK_CONNECTIONS": test_settings.HAYSTACK_CONNECTIONS,
        "STATIC_PAGES_ROOT": str(test_settings.STATIC_PAGES_ROOT),
        "MEDIA_ROOT": str(test_settings.MEDIA_ROOT),
        **overrides,
    }
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            SETTINGS_ENV: json.dumps(shared, default=str),
            "PYTHONUNBUFFERED": "1",
        }
    )
    child = Child(f"daphne-{os.getpid()}", [sys.executable, "-m", "tests.live_daphne"], env, log_dir)
    try:
        line = wait_until(lambda: re.search(f"{LISTENING}(\\S+)", child.output()), 60, "Daphne to listen", child)
    except BaseException:
        child.stop(5)
        raise
    return child, line.group(1)


def _configure() -> None:
    from django.conf import settings

    for name, value in json.loads(os.environ.pop(SETTINGS_ENV)).items():
        setattr(settings, name, Path(value) if name in PATH_SETTINGS else value)


def _forget_content_types(**_kwargs) -> None:
    """The server outlives many tests whose flush recreates the content types under new ids: forget them at
    every request, or the admin would write log entries and revisions naming ids that no longer exist."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def main() -> None:
    _configure()
    import django

    django.setup()
    from channels.testing.live import make_application
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.signals import request_started
    from twisted.internet import reactor, task

    request_started.connect(_forget_content_types, weak=False)
    parent = os.getppid()
    server = Server(
        application=make_application(static_wrapper=ASGIStaticFilesHandler),
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
    )

    def announce() -> None:
        if not server.listening_addresses:
            reactor.callLater(0.05, announce)
            return
        host, port = server.listening_addresses[0]
        sys.stdout.write(f"{LISTENING}http://{host}:{port}\n")
        sys.stdout.flush()

    def stop_when_orphaned() -> None:  # pytest killed without its teardown: do not serve on forever
        if os.getppid() != parent:
            reactor.stop()

    reactor.callLater(0.05, announce)
    task.LoopingCall(stop_when_orphaned).start(1.0, now=False)
    server.run()


if __name__ == "__main__":
    main()
