"""Twisted's readiness callbacks without the legacy log context (realtime/server_tuning.py): the reactor's own
error handling stays, and an error escaping it is logged, never raised into the event loop."""

from __future__ import annotations

import pytest

from realtime import server_tuning


def test_a_readiness_callback_runs_directly_and_an_escaping_error_is_logged():
    import daphne.server  # noqa: F401 - installs Twisted's asyncio reactor, as in the web process
    from twisted.internet import asyncioreactor
    from twisted.python import log

    server_tuning.direct_callbacks()
    call = asyncioreactor.callWithLogger
    assert call is not log.callWithLogger
    assert call(object(), lambda a, b: a + b, 2, 3) == 5

    def broken() -> None:
        raise RuntimeError("a protocol bug")

    observed: list[dict] = []
    log.addObserver(observed.append)
    try:
        assert call(object(), broken) is None  # logged as Twisted's callWithLogger would, the loop goes on
    finally:
        log.removeObserver(observed.append)
    assert any(event.get("isError") and "a protocol bug" in str(event.get("failure")) for event in observed)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call(object(), interrupted)
