"""Daphne's per-message costs, cut for live fan-out and flash-sale presses (config.asgi, web process only).

A profile of Daphne fanning one stock change out to thousands of sockets (docs/realtime.md) found costs
per delivered message that have nothing to do with the message (and a flash-sale press found the third):

- Twisted's TCP `write()` never writes: it buffers, registers the socket for writability (`add_writer`, an
  `epoll_ctl`), and on the next loop turn sends and unregisters it again (another `epoll_ctl`): two
  syscalls, a loop handle and four Python frames per message, about a third of Daphne's CPU per fan-out.
  `write_through()` sends at once when nothing is buffered for that connection (the common case: a live
  value is a frame of ~60 bytes) and falls back to Twisted's buffered path for whatever the kernel did not
  take, so order, back-pressure (a slow reader's data waits in Twisted's buffer, its producer is paused)
  and errors (reported by Twisted's own write path) are unchanged.
- Twisted's asyncio reactor wraps every read and write readiness callback in `log.callWithLogger`: the
  connection's `logPrefix()` string, a copy of the log context dict and two context-manager frames, so that a
  legacy `twisted.python.log` message emitted meanwhile carries the connection as its "system". Daphne sends
  Twisted's log to the standard logging module, whose lines do not show it; a flash-sale press spent about a
  tenth of its CPU there (docs/flash-sale.md). `direct_callbacks()` calls the reactor's `_readOrWrite`
  directly (it already logs and disconnects on an error) and keeps callWithLogger's last resort (an error
  escaping it is logged, never raised into the event loop).
- autobahn's `sendData` formats a debug line for every frame (`hltype`, `hlval`: introspection and colour
  codes) before the logger decides to drop it. `quiet_autobahn()` replaces those two helpers with plain
  names and `str` (the only change: autobahn's debug lines lose their colours and module paths).

`WEB_SEND_TUNING=false` leaves Twisted and autobahn untouched.

`WEB_PROFILE=<file>` (benchmarks only) profiles the web process's event loop thread with cProfile from start to
exit and writes the stats to that file (`profile_from_env()`, read them with `python -m pstats <file>`).
"""

from __future__ import annotations

import os

_applied = False


def write_through() -> None:
    from twisted.internet import tcp

    buffered_write = tcp.Connection.write

    def write(self, data: bytes) -> None:
        if (
            data
            and not self.TLS  # startTLS: Twisted's TLS path (Daphne's ssl: endpoint wraps the protocol instead)
            and self.connected
            and not self._writeDisconnected
            and not self.disconnecting
            and not self._tempDataBuffer
            and self.offset == len(self.dataBuffer)
            and type(data) is bytes
        ):
            try:
                sent = self.socket.send(data)
            except OSError:  # full, interrupted or broken: Twisted's write path retries or closes its way
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
        buffered_write(self, data)

    write.__doc__ = "Send at once when nothing is buffered; Twisted's buffered write for the rest."
    tcp.Connection.write = write


def direct_callbacks() -> None:
    from twisted.internet import asyncioreactor
    from twisted.python import log

    def call(selectable, method, *args):
        try:
            return method(*args)
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - what callWithLogger does: log it, keep the loop running
            log.err(system="-")
        return None

    call.__doc__ = "callWithLogger without the log context: the reactor's readiness callback, called directly."
    asyncioreactor.callWithLogger = call


def quiet_autobahn() -> None:
    from autobahn.websocket import protocol

    protocol.hltype = _qualname
    protocol.hlval = str


def _qualname(obj: object) -> str:
    return getattr(obj, "__qualname__", "?")  # never str(): a bound method's repr reads half-built protocols


def tune_sends() -> bool:
    """Apply all three (once per process); False when WEB_SEND_TUNING=false."""
    global _applied
    if os.environ.get("WEB_SEND_TUNING", "true").strip().lower() in {"0", "false", "no", "off"}:
        return False
    if not _applied:
        write_through()
        direct_callbacks()
        quiet_autobahn()
        _applied = True
    return True


def profile_from_env() -> bool:
    """cProfile the process from now until it exits when WEB_PROFILE names a file (the bench's switch)."""
    path = os.environ.get("WEB_PROFILE", "").strip()
    if not path:
        return False
    import atexit
    import cProfile

    profiler = cProfile.Profile()
    atexit.register(profiler.dump_stats, path)
    profiler.enable()
    return True
