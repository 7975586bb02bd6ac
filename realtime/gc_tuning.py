"""Garbage-collector thresholds for the web process (Daphne), applied by config.asgi.

Thousands of open websockets are a large heap of long-lived objects (protocol, consumer, scope, tasks per
socket). With CPython's default thresholds (700, 10, 10) every fan-out allocates enough short-lived objects
to run many collections, and the older generations, full of those long-lived objects, are scanned again and
again: Daphne's CPU per delivered message grew from ~110 us at 1,000 sockets to ~270 us at 5,000. A larger
first threshold collects less often; the objects that exist after start-up are frozen out of every scan.
`WEB_GC_THRESHOLDS="700,10,10"` restores CPython's defaults; an empty value leaves them alone.
"""

from __future__ import annotations

import gc
import os

DEFAULT = "50000,20,100"


def tune_gc() -> tuple[int, ...] | None:
    raw = os.environ.get("WEB_GC_THRESHOLDS", DEFAULT).strip()
    if not raw:
        return None
    thresholds = tuple(int(part) for part in raw.split(","))
    gc.collect()
    gc.freeze()  # everything imported and built at start-up: never scanned again
    gc.set_threshold(*thresholds)
    return thresholds
