"""抢购 straight from the socket: a press answered by the lean route without Twisted's HTTP request machinery.

A profile of one Daphne process answering a crowd of presses (docs/flash-sale.md) found most of its CPU outside
the lean route: Twisted's line-by-line parsing into a `Request` (header objects, a body file, cookies), Daphne's
scope, its application task and queue, the ASGI hops of the answer, and Twisted's response writer. For the one
request that must be cheap, `install()` lets Twisted's HTTP/1.1 channel take a short cut when a chunk of input
is exactly one whole, simple `POST /flash/<id>/press/` at the start of a request:

- the head is split here (request line, `name: value` lines) with Daphne's own validity rules (header names,
  header value bytes, no `_` in a name, `Daphne-Root-Path`, the proxy headers when Daphne trusts them); any
  continuation line, `Transfer-Encoding`, `Expect`, `Upgrade`, `Connection` other than `keep-alive`, a query
  string, a body that is not exactly `Content-Length` bytes (a body still arriving in another segment), or more
  input behind it (pipelining) means: no short cut;
- the headers (as Daphne's scope would carry them) go to the same checks as the ASGI route,
  `commerce.flashsales.asgi.read_press` (host, CSRF, ticket, client address: every rule stays there), then
  `services.press_then` puts the press to the gate without a task: the Redis reply calls `finish`, which writes
  the answer (`asgi.respond`) as one HTTP/1.1 response with a Content-Length;
- when the lean route declines (or fails), the same bytes go to Twisted's own parser as if nothing happened:
  Daphne and `FlashPressRoute` see the request as before and Django's view answers. A declined press has
  written nothing in Redis (see gate.PRESS_LUA), so asking again there changes nothing.

A crowd arrives as one long turn of the event loop (hundreds of connections readable at once): while it parks
presses, the route reads the gate's replies that have arrived (`gate.read_replies_now`, every half millisecond at
most) instead of after the turn, and sends the answers written so far every SEND_EVERY, so that the presses read
after the last unit went are answered as they are read.

Input that arrives while a press is being answered waits and is parsed after the answer (responses stay in
order); past 16 KB the connection stops being read until then, as Twisted does. Daphne's access log gets its
usual line. `FLASH_FAST_HTTP=false` leaves Twisted untouched. When Daphne's loop starts, `asgi.warm()` opens the
gate's Redis connection and loads what the first presses would otherwise pay for.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from functools import partial

from django.conf import settings

from config.settings_memo import from_settings

logger = logging.getLogger(__name__)

#: One whole press head: the request line, then header lines whose names are Daphne's HEADER_NAME_RE less "_"
#: (Daphne drops those) and whose values hold none of Daphne's INVALID_HEADER_VALUE_BYTES (nor CR, LF), then the
#: blank line. A continuation line (leading space or tab) does not match either: no short cut.
_PRESS_HEAD = re.compile(
    rb"POST /flash/([1-9][0-9]{0,17})/press/ HTTP/1\.1\r\n"
    rb"((?:[-!#$%&'*+.^`|~0-9a-zA-Z]+:[^\r\n\x0b\x0c\x1c\x1d\x1e\x85]*\r\n)*)\r\n"
)
_NOT_SIMPLE = frozenset({"transfer-encoding", "expect", "upgrade", "connection", "daphne-root-path", "http2-settings"})
_MAX_HEAD = 16384  # Twisted's totalHeadersSize
_EAGER_READ = 0x4000  # Twisted's _optimisticEagerReadSize: input it keeps while answering before it stops reading

_installed = False

_in_flight: dict[int, int] = {}  # sale id -> this process's presses waiting for the gate's reply
_parked: dict[int, deque] = {}  # sale id -> presses waiting for a place at the gate (in arrival order)
_units_left: dict[int, int] = {}  # sale id -> units left when the gate last accepted a press of it


def _read_in_flight_limit() -> int:
    return max(1, int(settings.FLASH_PRESSES_IN_FLIGHT))


_in_flight_limit = from_settings(_read_in_flight_limit)


def places(sale_id: int) -> int:
    """How many presses of the sale may wait for the gate at once: FLASH_PRESSES_IN_FLIGHT, or as many as the
    gate last said units are left (each of those presses may still take one; more would mostly hear 已抢光)."""
    return max(_in_flight_limit(), _units_left.get(sale_id, 0))


def enabled() -> bool:
    return os.environ.get("FLASH_FAST_HTTP", "true").strip().lower() not in {"0", "false", "no", "off"}


def parse_press(data: bytes) -> tuple[int, dict[str, str], bytes] | None:
    """(sale id, {lower-case name: value}, body) if `data` is exactly one simple press request, else None. The
    headers as `asgi.header_dict` reads a scope's (Latin-1, cookies joined with "; "); a request with any other
    header twice is not simple (Daphne would join them)."""
    match = _PRESS_HEAD.match(data)
    if match is None or match.end() > _MAX_HEAD:
        return None
    lines = match.group(2).decode("latin-1").split("\r\n")[:-1]
    headers: dict[str, str] = {}
    for line in lines:
        name, _colon, value = line.partition(":")
        headers[name.lower()] = value.strip(" \t")
    if len(headers) != len(lines):  # a name twice: cookies are joined; any other header twice: no short cut
        headers = {}
        for line in lines:
            name, _colon, value = line.partition(":")
            name, value = name.lower(), value.strip(" \t")
            if name in headers and name != "cookie":
                return None
            headers[name] = f"{headers[name]}; {value}" if name in headers else value
    if not _NOT_SIMPLE.isdisjoint(headers) and (
        not _NOT_SIMPLE.isdisjoint(headers.keys() - {"connection"}) or headers["connection"].lower() != "keep-alive"
    ):
        return None  # (keep-alive is what HTTP/1.1 does anyway: Twisted looks only for "close")
    length = headers.get("content-length", "")
    if not (length.isdigit() and length.isascii()) or len(data) - match.end() != int(length):
        return None
    return int(match.group(1)), headers, data[match.end() :]


def forwarded(headers: dict[str, str], server, client: list | None, scheme: str) -> tuple[list | None, str]:
    """What Daphne's parse_x_forwarded_for makes of the proxy headers it trusts (`server`'s names), read from the
    route's lower-case Latin-1 headers instead of a dict of bytes built for it: the address header's first entry
    (split at "," and stripped only when there is a comma) with the port header's number (0 when absent or not a
    number), and the proto header as the scheme. Values are read as UTF-8, as Daphne reads them (a value that is
    not UTF-8 raises, as it does there)."""
    name = server.proxy_forwarded_address_header
    if not name:
        return client, scheme
    address = headers.get(name.lower())
    if address is not None:
        if not address.isascii():
            address = address.encode("latin-1").decode("utf-8")
        if "," in address:
            address = address.split(",")[0].strip()
        client = [address, 0]
        name = server.proxy_forwarded_port_header
        port = headers.get(name.lower()) if name else None
        if port is not None:
            port = port if port.isascii() else port.encode("latin-1").decode("utf-8")
            try:
                client[1] = int(port)
            except ValueError:
                pass
    name = server.proxy_forwarded_proto_header
    proto = headers.get(name.lower()) if name else None
    if proto is not None:
        scheme = proto if proto.isascii() else proto.encode("latin-1").decode("utf-8")
    return client, scheme


_stamp: list = [0, ""]  # (second, its access-log date): the date is formatted once a second, not per line
#: Access-log lines of the answers in the outbox, (stream, line): written with them, one write per stream.
_log_lines: list[tuple[object, str]] = []


def _access_line(stream, peer: str | None, path: str, status: int, size: int) -> None:
    """The line Daphne's AccessLogGenerator writes for an answered POST, with the same local-time date (written
    by the next `send_all`, with the answer)."""
    now = int(time.time())
    if now != _stamp[0]:
        _stamp[:] = [now, datetime.datetime.fromtimestamp(now).strftime("%d/%b/%Y:%H:%M:%S")]
    _log_lines.append((stream, f'{peer} - - [{_stamp[1]}] "POST {path}" {status or "-"} {size or "-"}\n'))


#: Answers written in this turn of the event loop, sent together at its end (`send_all`) or as soon as
#: SEND_EVERY wait: one after the other they wake a client once instead of once each (a bench run: 15-20% more
#: answers a second, less client CPU), and a long turn (a crowd's presses read one after the other) does not hold
#: back the answers written early in it.
_outbox: list[tuple[object, bytes]] = []
_outbox_loop: list = [None]  # the loop whose next turn sends the outbox
SEND_EVERY = 32
#: While a long turn parks presses, the gate's replies that have arrived are read this often (seconds) instead of
#: after the turn: the units left, or 已抢光, are known sooner, and the presses read after that are answered as
#: they come instead of all at the end.
READ_REPLIES_EVERY = 0.0005
_replies_read_at: list[float] = [0.0]


#: A crowd's presses are answered without the cyclic garbage collector: a press switches it off, and it is back
#: this many seconds later (its first allocation then collects what is due). In a burst one collection falls
#: among the presses and scans the young objects of the crowd's open connections: 4-6 ms of a 100 ms burst
#: (bench, session 12). Reference counting frees everything else as usual; a cycle waits at most this long.
GC_PAUSE = 0.5
_gc_paused = [False]


def _pause_gc() -> None:
    if _gc_paused[0] or not gc.isenabled():  # paused already, or someone else switched it off: theirs
        return
    gc.disable()
    _gc_paused[0] = True
    timer = threading.Timer(GC_PAUSE, _resume_gc)  # not the loop's timer: back even if the loop stops first
    timer.daemon = True
    timer.start()


def _resume_gc() -> None:
    _gc_paused[0] = False
    gc.enable()


def _send_soon(transport, data: bytes) -> None:
    loop = asyncio.get_running_loop()
    if not _outbox or _outbox_loop[0] is not loop:
        _outbox_loop[0] = loop
        loop.call_soon(send_all)
    _outbox.append((transport, data))
    if len(_outbox) >= SEND_EVERY:
        send_all()


def send_all() -> None:
    """Send every answer of the outbox, in the order written, then their access-log lines."""
    answers = _outbox[:]
    _outbox.clear()
    for transport, data in answers:
        try:
            transport.write(data)
        except Exception:  # noqa: BLE001 - one broken connection must not keep the others' answers
            logger.warning("flash press: an answer could not be written", exc_info=True)
    if _log_lines:
        _write_log_lines()


def _write_log_lines() -> None:
    lines = _log_lines[:]
    _log_lines.clear()
    streams: dict[int, tuple[object, list[str]]] = {}
    for stream, line in lines:
        streams.setdefault(id(stream), (stream, []))[1].append(line)
    for stream, text in streams.values():
        try:
            stream.write("".join(text))
        except Exception:  # noqa: BLE001 - a log that cannot be written must not stop the answers
            logger.warning("flash press: access-log lines could not be written", exc_info=True)


_heads: dict[tuple, bytes] = {}


def _response(status: int, headers: tuple[tuple[bytes, bytes], ...], body: bytes, server_name: str) -> bytes:
    """The whole HTTP/1.1 answer; its head (all but the length) is built once per status, headers and server."""
    key = (status, headers, server_name)
    head = _heads.get(key)
    if head is None:
        from twisted.web.http import RESPONSES

        lines = [b"HTTP/1.1 %d %s" % (status, RESPONSES.get(status, b"Unknown Status"))]
        lines += [name + b": " + value for name, value in headers]
        if server_name:
            lines.append(b"server: " + server_name.encode())
        head = b"\r\n".join(lines) + b"\r\ncontent-length: "
        if len(_heads) < 256:
            _heads[key] = head
    return b"%s%d\r\n\r\n%s" % (head, len(body), body)


def install() -> bool:
    """Patch Twisted's HTTPChannel (the web process only; once). False when FLASH_FAST_HTTP=false."""
    global _installed
    if not enabled():
        return False
    if _installed:
        return True
    from daphne.access import AccessLogGenerator
    from twisted.internet.interfaces import ISSLTransport
    from twisted.web import http

    from commerce.flashsales import gate, services
    from commerce.flashsales.asgi import known_refusal, read_press, respond

    parse_data = http.HTTPChannel.dataReceived

    def at_request_start(channel) -> bool:
        return (
            channel.line_mode
            and not channel._buffer
            and not channel.requests
            and not channel._handlingRequest
            and channel._HTTPChannel__first_line == 1
            and channel.persistent
        )

    def data_received(self, data: bytes) -> None:
        pending = self.__dict__.get("_flash_pending")
        if pending is not None:  # a press of this connection is being answered: the rest waits its turn
            pending.append(data)
            if sum(map(len, pending)) > _EAGER_READ and not self.__dict__.get("_flash_paused"):
                self._flash_paused = True  # as Twisted does while it answers: stop reading until the answer
                self.transport.pauseProducing()
            return
        if data[:12] == b"POST /flash/" and at_request_start(self):
            parsed = parse_press(data)
            if parsed is not None:
                try:
                    taken = take(self, data, *parsed)
                except Exception:  # noqa: BLE001 - the short cut never fails a press: Twisted and Django answer it
                    logger.warning("flash press: short cut failed, handing over to Twisted", exc_info=True)
                    self.__dict__.pop("_flash_pending", None)
                    taken = False
                if taken:
                    return
        parse_data(self, data)

    in_flight, parked, units_left = _in_flight, _parked, _units_left

    def take(channel, data: bytes, sale_id: int, headers: dict[str, str], body: bytes) -> bool:
        """Answer a press of a sale known to be sold out at once, park it while the sale has enough presses at
        the gate, or put it to the gate (the answer is written when Redis replies); False: not the lean route's."""
        started = time.time()
        _pause_gc()
        server = channel.factory.server
        transport = channel.transport
        client = None
        peer = getattr(transport, "client", None)  # a TCP connection's (host, port), as its getPeer() says
        if not (isinstance(peer, tuple) and len(peer) >= 2):
            peer = transport.getPeer()
            peer = (peer.host, peer.port) if hasattr(peer, "host") and hasattr(peer, "port") else None
        if peer is not None:
            client = [str(peer[0]), peer[1]]
        scheme = "https" if ISSLTransport.providedBy(transport) else "http"
        if server.proxy_forwarded_address_header:
            client, scheme = forwarded(headers, server, client, scheme)
        press = (channel, data, sale_id, headers, body, client, scheme, started)
        refused = known_refusal(headers, scheme, sale_id)
        if refused is not None:
            channel.resetTimeout()
            write(channel, refused, sale_id, client, started)
            return True
        if in_flight.get(sale_id, 0) >= places(sale_id):
            channel.resetTimeout()
            channel._flash_pending = []
            parked.setdefault(sale_id, deque()).append(press)
            now = time.monotonic()
            if now - _replies_read_at[0] >= READ_REPLIES_EVERY:
                _replies_read_at[0] = now
                try:
                    gate.read_replies_now()  # may answer this press and the others parked (see `resume`)
                except Exception:  # noqa: BLE001 - the press stays parked: the replies are read after this turn
                    logger.warning("flash press: the gate's replies could not be read early", exc_info=True)
            return True
        return ask(*press)

    def ask(channel, data: bytes, sale_id: int, headers, body: bytes, client, scheme: str, started: float) -> bool:
        """The lean route's checks, then the gate; False when the route declines (Twisted and Django answer)."""
        press = read_press(headers, str(client[0]) if client else "", scheme, sale_id, body)
        if press is None:
            return False
        channel.resetTimeout()
        channel.__dict__.setdefault("_flash_pending", [])  # a parked press's may hold input already
        in_flight[sale_id] = in_flight.get(sale_id, 0) + 1
        try:
            services.press_then(
                ticket=press.ticket,
                request_id=press.request_id,
                address=press.address,
                session_cache_key=press.session_cache_key,
                done=partial(finish, channel, data, press, client, started),
            )
        except BaseException:
            in_flight[sale_id] -= 1
            raise
        return True

    def finish(channel, data: bytes, press, client, started: float, answer) -> None:
        """Write the gate's answer (or hand the bytes to Twisted when the lean route cannot answer), then let a
        parked press of the sale take the free place."""
        sale_id = press.ticket.sale_id
        in_flight[sale_id] -= 1
        result = None
        if isinstance(answer, Exception):
            logger.warning("flash press: Redis did not answer (%r), handing over to Twisted", answer)
        else:
            if answer.result is not None and not answer.result.duplicate:
                units_left[sale_id] = answer.result.left
            try:
                result = respond(press, answer)
            except Exception:  # noqa: BLE001 - as above: Twisted and Django answer it
                logger.warning("flash press: short cut failed, handing over to Twisted", exc_info=True)
        complete(channel, data, result, sale_id, client, started)
        if sale_id in parked:
            resume(sale_id, failed=isinstance(answer, Exception))

    def complete(channel, data: bytes, result, sale_id: int, client, started: float) -> None:
        """Write `result` (or give the request's bytes to Twisted when None), then the input that waited."""
        pending = channel.__dict__.pop("_flash_pending", [])
        transport = channel.transport
        if transport is None or not transport.connected:
            return
        if channel.__dict__.pop("_flash_paused", False):
            transport.resumeProducing()
        if result is None:
            send_all()  # Twisted writes at once: what this process answered before goes first
            parse_data(channel, data)
        else:
            write(channel, result, sale_id, client, started)  # the idle timeout was reset
        if pending:
            send_all()
            channel.dataReceived(b"".join(pending))

    def resume(sale_id: int, *, failed: bool) -> None:
        """Parked presses of the sale, in arrival order, while there is a place at the gate: each is refused at
        once if the sale is now known to be sold out, else asked as usual. After a Redis failure they all go to
        Twisted and Django's view (which has its own way to Redis) instead of waiting on the same connection."""
        queue = parked[sale_id]
        while queue:
            sold_out = not failed and gate.sold_out_known(sale_id)
            if not (failed or sold_out or in_flight.get(sale_id, 0) < places(sale_id)):
                break
            channel, data, _sale_id, headers, body, client, scheme, started = press = queue.popleft()
            if channel.transport is None or not channel.transport.connected:
                channel.__dict__.pop("_flash_pending", None)
                continue
            try:
                refused = known_refusal(headers, scheme, sale_id) if sold_out else None
                if refused is not None:
                    complete(channel, data, refused, sale_id, client, started)
                elif failed or not ask(*press):
                    complete(channel, data, None, sale_id, client, started)
            except Exception:  # noqa: BLE001 - as in data_received: Twisted and Django answer it
                logger.warning("flash press: short cut failed, handing over to Twisted", exc_info=True)
                complete(channel, data, None, sale_id, client, started)
        if not queue:
            del parked[sale_id]

    def write(channel, result: tuple, sale_id: int, client, started: float) -> None:
        """One whole answer, and Daphne's access-log line for it."""
        status, payload, out = result
        server = channel.factory.server
        answer = _response(status, out, payload, server.server_name)
        log = server.action_logger
        if log is not None:  # the line first: it is written with the answer (send_all)
            _log(log, sale_id, client, status, len(payload), started)
        _send_soon(channel.transport, answer)

    def _log(log, sale_id: int, client, status: int, size: int, started: float) -> None:
        path = f"/flash/{sale_id}/press/"
        peer = f"{client[0]}:{client[1]}" if client else None
        if type(log) is AccessLogGenerator:
            _access_line(log.stream, peer, path, status, size)
        else:
            log(
                "http",
                "complete",
                {
                    "path": path,
                    "status": status,
                    "method": "POST",
                    "client": peer,
                    "time_taken": time.time() - started,
                    "size": size,
                },
            )

    http.HTTPChannel.dataReceived = data_received
    server_module = sys.modules.get("daphne.server")
    if server_module is not None:  # the web process: the route's Redis connection opens as Daphne's loop starts
        server_module.twisted_loop.call_soon(_warm)
    _installed = True
    return True


def _warm() -> None:
    from commerce.flashsales.asgi import warm

    asyncio.ensure_future(warm())
