"""Dramatiq middleware of the shop's workers.

``SingleStopSignal``: honcho (like most supervisors) sends SIGTERM to the whole process group, so each
Dramatiq worker process gets the supervisor's SIGTERM and then the same signal forwarded by Dramatiq's main
process. Dramatiq reads a second stop signal as "kill now" (``os._exit``), which turned a graceful stop into a
hard kill in the middle of a job, at random. After boot, the worker process's handler passes on only the first
stop signal; the supervisor's SIGKILL after its stop timeout (STOP_TIMEOUT, docs/operations.md) still ends a
worker that does not finish.
"""

from __future__ import annotations

import logging
import signal
import threading

import dramatiq

logger = logging.getLogger(__name__)
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class SingleStopSignal(dramatiq.Middleware):
    def after_worker_boot(self, broker, worker) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be changed from the main thread
        for signum in STOP_SIGNALS:
            original = signal.getsignal(signum)
            if callable(original):
                signal.signal(signum, _first_only(original))


def _first_only(handler):
    stopping = False

    def on_stop_signal(signum, frame) -> None:
        nonlocal stopping
        if stopping:
            logger.info("worker already stopping; signal %s ignored (the supervisor's SIGKILL still ends it)", signum)
            return
        stopping = True
        handler(signum, frame)

    return on_stop_signal
