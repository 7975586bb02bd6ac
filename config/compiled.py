"""The flash-sale press's hot path, compiled with Cython (issue 17; `scripts/compile.py`, run by `make`).

A crowd of 2,000 presses keeps one Daphne process busy for its whole burst, and most of that CPU is the
interpreter running the lean route's Python (docs/flash-sale.md, "Session 13"). These modules are compiled as
they are, as plain Python (no C types: Cython's `annotation_typing` off, so every annotation stays a comment to
it and a `str` subclass is still a `str`): the same code, the same behaviour, about a third less CPU per press.

A compiled module (`fast_http.cpython-311-x86_64-linux-gnu.so`) sits next to its source and Python imports it
instead of the source. Without a C compiler or Cython the source runs as before. A compiled file older than its
source would run yesterday's code: `stale()` names those, and the web process and the tests refuse to start
with them (`make compiled` builds them again).
"""

from __future__ import annotations

import importlib.machinery
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

#: The press's path through the web process, from the socket to the answer (paths from the project root).
MODULES = (
    "commerce/flashsales/fast_http.py",
    "commerce/flashsales/asgi.py",
    "commerce/flashsales/gate.py",
    "commerce/flashsales/redis_wire.py",
    "commerce/flashsales/services.py",
    "config/client_address.py",
    "config/settings_memo.py",
    "realtime/server_tuning.py",
)


def module_name(source: str) -> str:
    return source.removesuffix(".py").replace("/", ".")


def compiled_files(source: str, base: Path = BASE_DIR) -> list[Path]:
    """The extension modules Python would import instead of `source` (any suffix this interpreter loads)."""
    path = base / source
    stem = path.name.removesuffix(".py")
    return [
        path.with_name(stem + suffix)
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
        if path.with_name(stem + suffix).exists()
    ]


def stale(base: Path = BASE_DIR) -> list[str]:
    """Sources changed since they were compiled (their compiled file would be imported instead of them)."""
    out = []
    for source in MODULES:
        changed = (base / source).stat().st_mtime
        if any(file.stat().st_mtime < changed for file in compiled_files(source, base)):
            out.append(source)
    return out


def refuse_stale(base: Path = BASE_DIR) -> None:
    """Raise when a compiled module is older than its source (every process, before it imports them)."""
    old = stale(base)
    if old:
        raise RuntimeError(
            f"compiled modules older than their source: {', '.join(old)}. "
            "Run `make compiled` (or delete the .so files next to them to run the source)."
        )
