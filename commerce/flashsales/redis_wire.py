"""The lean 抢购 route's Redis client: one pipelined connection per event loop that speaks just enough RESP.

A profile of Daphne answering a crowd of presses (docs/flash-sale.md) spent about half of each answer in
redis.asyncio's machinery around the one EVALSHA (connection pool and its lock, command packing through the
encoder, the retry wrapper, a timeout context, the stream reader). Here every press is still exactly one EVALSHA,
but the commands of one event-loop turn leave together on one connection (in writes of FLUSH_EVERY, so that Redis
starts on a long turn's first commands while the turn goes on) and the replies are read in order as they come:
Redis runs them one after the other anyway.

- Replies: simple strings, errors, integers, bulk strings and arrays (what the press script and the handshake
  answer). An error reply is raised to its caller as `WireError`.
- Connection: opened on first use (AUTH and SELECT from REDIS_URL, then SCRIPT LOAD of the press script); a lost
  connection fails every press waiting on it with ConnectionError (the lean route then hands those presses to
  Django's view, which asks again with the same request id: a press Redis did run answers `duplicate`), and the
  next press opens a new one. NOSCRIPT (a flushed script cache) loads the script again and retries once.
- A reply that takes longer than `TIMEOUT` seconds drops the connection (the waiting presses fail as above).
- Two ways to ask: `await evalsha(...)` (the ASGI route), or `evalsha_then(..., done)`, which calls `done` with
  the reply (or the exception) from the connection's reader: no task and no future per press, for the route
  that answers from the socket (fast_http.py). `warm()` opens the connection before the first crowd arrives;
  `read_now()` hands out the replies already in the socket in the middle of a long loop turn (fast_http calls it
  while a crowd's presses are read and parked: the gate's `left` and 已抢光 arrive sooner).

Only plain `redis://` and `unix://` URLs: Sentinel or TLS setups keep redis.asyncio (gate.async_redis).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections import deque
from collections.abc import Callable
from functools import partial

logger = logging.getLogger(__name__)

TIMEOUT = 5.0
#: Commands of one loop turn sent as soon as this many wait. A turn that puts hundreds of presses to the gate
#: (the ones parked until the gate said how many units are left) would otherwise keep Redis idle until its end.
FLUSH_EVERY = 32


class WireError(Exception):
    """An error reply from Redis."""


def command(*parts) -> bytes:
    """One command in RESP (bytes, str or int parts)."""
    return b"*%d\r\n%s" % (len(parts), _arguments(*parts))


def _arguments(*parts) -> bytes:
    """Bulk strings of `parts` (bytes, str as UTF-8, int in decimal), built as one Latin-1 text: a press's
    command is mostly ASCII keys, which need no encoding step each."""
    out = []
    for part in parts:
        if type(part) is not str or not part.isascii():
            if isinstance(part, int):
                part = f"{part:d}"
            else:
                part = (part.encode() if isinstance(part, str) else bytes(part)).decode("latin-1")
        out.append(f"${len(part)}\r\n{part}\r\n")
    return "".join(out).encode("latin-1")


#: The press script's reply, {word, integer, integer}, read by one pattern instead of five steps.
_WORD_AND_TWO_INTEGERS = re.compile(rb"\*3\r\n\$(\d{1,2})\r\n([a-z_]{1,32})\r\n:(-?\d{1,18})\r\n:(-?\d{1,18})\r\n")


def parse(buffer: bytes | bytearray, pos: int = 0):
    """(reply, next position) for the reply starting at `pos`, or None when it has not fully arrived."""
    short = _WORD_AND_TWO_INTEGERS.match(buffer, pos)
    if short is not None and int(short[1]) == len(short[2]):
        return [short[2], int(short[3]), int(short[4])], short.end()
    end = buffer.find(b"\r\n", pos)
    if end < 0:
        return None
    kind, line = buffer[pos : pos + 1], bytes(buffer[pos + 1 : end])
    pos = end + 2
    if kind == b"+":
        return line.decode(), pos
    if kind == b"-":
        return WireError(line.decode(errors="replace")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, pos
        if len(buffer) < pos + size + 2:
            return None
        return bytes(buffer[pos : pos + size]), pos + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item = parse(buffer, pos)
            if item is None:
                return None
            value, pos = item
            items.append(value)
        return items, pos
    raise WireError(f"unexpected reply type {kind!r}")


def _settle(future: asyncio.Future, reply) -> None:
    if not future.done():
        if isinstance(reply, ConnectionError):
            future.set_exception(reply)
        else:
            future.set_result(reply)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport = None
        self.buffer = bytearray()
        self.waiting: deque[tuple[Callable[[object], None], float]] = deque()  # (called with the reply, sent at)
        self.outgoing: list[bytes] = []
        self.lost = False
        self.reading = False  # in data_received: replies are being handed out
        self.watchdog = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def call(self, payload: bytes) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.call_then(payload, partial(_settle, future))
        return future

    def call_then(self, payload: bytes, done: Callable[[object], None]) -> None:
        """Send `payload` with this loop turn's other commands; `done(reply)` when its reply is read (an error
        reply is a WireError), `done(ConnectionError)` if the connection is lost first."""
        if self.lost:
            done(ConnectionError("Redis connection lost"))
            return
        self.waiting.append((done, time.monotonic()))
        if not self.outgoing:
            asyncio.get_running_loop().call_soon(self.flush)
            if self.watchdog is None:
                self.watchdog = asyncio.get_running_loop().call_later(TIMEOUT, self.check)
        self.outgoing.append(payload)
        if len(self.outgoing) >= FLUSH_EVERY:  # a long loop turn: Redis starts on these while the turn goes on
            self.flush()

    def flush(self) -> None:
        if self.outgoing and not self.lost:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def check(self) -> None:
        self.watchdog = None
        if self.waiting and time.monotonic() - self.waiting[0][1] > TIMEOUT:
            self.transport.abort()  # connection_lost fails everything waiting
        elif self.waiting:
            self.watchdog = asyncio.get_running_loop().call_later(TIMEOUT, self.check)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.reading = True
        try:
            self._read_replies()
        finally:
            self.reading = False

    def _read_replies(self) -> None:
        pos = 0
        while self.waiting:
            try:
                reply = parse(self.buffer, pos)
            except (ValueError, WireError) as error:
                self.transport.abort()
                self._fail(ConnectionError(f"unreadable Redis reply: {error}"))
                return
            if reply is None:
                break
            value, pos = reply
            done, _sent = self.waiting.popleft()
            _deliver(done, value)
        del self.buffer[:pos]

    def read_now(self) -> None:
        """Read the replies already in the socket now instead of at the loop's next turn. Not from inside a reply's
        callback (the replies before it are still being read), nor when the transport is not asyncio's own
        selector transport (`_read_ready` reads what is there, or nothing, and handles EOF and errors as usual)."""
        if self.reading or self.lost or not self.waiting:
            return
        read_ready = getattr(self.transport, "_read_ready", None)
        if read_ready is not None and self.transport.is_reading():
            read_ready()

    def connection_lost(self, exc) -> None:
        self._fail(ConnectionError(f"Redis connection lost: {exc}"))

    def _fail(self, error: Exception) -> None:
        self.lost = True
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        while self.waiting:
            done, _sent = self.waiting.popleft()
            _deliver(done, error)


def outcome(task: asyncio.Future):
    """A finished Redis call's reply, or its exception (a cancelled call as a ConnectionError)."""
    if task.cancelled():
        return ConnectionError("Redis call cancelled")
    return task.exception() or task.result()


def _deliver(done: Callable[[object], None], reply) -> None:
    try:
        done(reply)
    except Exception:  # noqa: BLE001 - one caller's failure must not cost the replies behind it
        logger.exception("redis wire: a reply's callback failed")


class Wire:
    """One connection to the Redis of `url` on the running event loop, running one script by EVALSHA."""

    def __init__(self, url: str, script: str) -> None:
        from redis.connection import parse_url

        self.options = parse_url(url)
        self.script = script
        self.sha = b""
        self.connection: _Connection | None = None
        self.connecting: asyncio.Future | None = None
        self._heads: dict[tuple[bytes, int], bytes] = {}

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        options = self.options
        if options.get("path"):
            _transport, connection = await asyncio.wait_for(
                loop.create_unix_connection(_Connection, options["path"]), TIMEOUT
            )
        else:
            _transport, connection = await asyncio.wait_for(
                loop.create_connection(_Connection, options.get("host", "localhost"), int(options.get("port", 6379))),
                TIMEOUT,
            )
        try:
            if options.get("password"):
                auth = ("AUTH", options["username"], options["password"]) if options.get("username") else None
                await self._expect_ok(connection, command(*(auth or ("AUTH", options["password"]))))
            if int(options.get("db", 0) or 0):
                await self._expect_ok(connection, command("SELECT", int(options["db"])))
            sha = await connection.call(command("SCRIPT", "LOAD", self.script))
            if isinstance(sha, WireError):
                raise sha
            self.sha = sha
        except BaseException:
            connection.transport.abort()
            raise
        return connection

    @staticmethod
    async def _expect_ok(connection: _Connection, payload: bytes) -> None:
        reply = await connection.call(payload)
        if isinstance(reply, WireError):
            raise reply

    async def _connection(self) -> _Connection:
        connection = self.connection
        if connection is not None and not connection.lost:
            return connection
        if self.connecting is None:  # the first press after a loss opens it; the others wait for the same one
            self.connecting = asyncio.ensure_future(self._open())
        connecting = self.connecting
        try:
            self.connection = await asyncio.shield(connecting)
        finally:
            if self.connecting is connecting and connecting.done():
                self.connecting = None
        return self.connection

    async def evalsha(self, keys: list, args: list):
        """The script's reply for these keys and args (one EVALSHA)."""
        for attempt in (1, 2):
            connection = await self._connection()
            reply = await connection.call(command("EVALSHA", self.sha, len(keys), *keys, *args))
            if isinstance(reply, WireError):
                if str(reply).startswith("NOSCRIPT") and attempt == 1:
                    sha = await connection.call(command("SCRIPT", "LOAD", self.script))
                    if isinstance(sha, WireError):
                        raise sha
                    self.sha = sha
                    continue
                raise reply
            return reply
        raise AssertionError("unreachable")

    def evalsha_then(self, keys: list, args: list, done: Callable[[object], None]) -> None:
        """`evalsha` without a task: `done(reply)` with the script's reply, or `done(exception)`. On the open
        connection the command simply joins this loop turn's write; opening one or reloading the script after
        NOSCRIPT goes through `evalsha`."""
        connection = self.connection
        if connection is None or connection.lost or not self.sha:
            self._later(keys, args, done)
            return

        def replied(reply) -> None:
            if isinstance(reply, WireError) and str(reply).startswith("NOSCRIPT"):
                self._later(keys, args, done)
            else:
                done(reply)

        payload = b"*%d\r\n%s%s" % (3 + len(keys) + len(args), self._evalsha(len(keys)), _arguments(*keys, *args))
        connection.call_then(payload, replied)

    def _evalsha(self, key_count: int) -> bytes:
        """The arguments `EVALSHA <sha> <key count>` in RESP, built once per script and key count."""
        head = self._heads.get((self.sha, key_count))
        if head is None:
            head = self._heads[(self.sha, key_count)] = _arguments(b"EVALSHA", self.sha, key_count)
        return head

    def _later(self, keys: list, args: list, done: Callable[[object], None]) -> None:
        asyncio.ensure_future(self.evalsha(keys, args)).add_done_callback(lambda task: _deliver(done, outcome(task)))

    async def warm(self) -> None:
        """Open the connection (and load the script) now rather than on the first press."""
        await self._connection()

    def read_now(self) -> None:
        """Hand out the replies that have arrived, without waiting for the event loop's next turn."""
        if self.connection is not None:
            self.connection.read_now()


_wires = weakref.WeakKeyDictionary()  # event loop -> {(url, script): Wire}
_last: tuple = ()  # (weak loop, url, script, wire) of the last call: a web process asks for the same one every press


def wire(url: str, script: str) -> Wire | None:
    """The running loop's Wire to `url` for `script`, or None for a URL it does not speak (TLS)."""
    global _last
    loop = asyncio.get_running_loop()
    last = _last
    if last and last[0]() is loop and last[1] == url and last[2] == script:
        return last[3]
    if not url.startswith(("redis://", "unix://")):
        return None
    per_loop = _wires.setdefault(loop, {})
    found = per_loop.get((url, script))
    if found is None:
        found = per_loop[(url, script)] = Wire(url, script)
    _last = (weakref.ref(loop), url, script, found)
    return found
