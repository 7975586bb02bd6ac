"""抢购 from the socket (commerce/flashsales/fast_http.py): Daphne's own HTTP factory and Twisted's channel, fed
bytes as a connection would, with the real application, Redis and database. A simple press is answered by the
lean route without Twisted's request machinery; everything else takes Twisted's and Daphne's usual path."""

from __future__ import annotations

import asyncio
import gc
import io
import re
import secrets
import time
from datetime import datetime
from urllib.parse import parse_qs

import pytest
from asgiref.sync import sync_to_async
from daphne.access import AccessLogGenerator
from daphne.http_protocol import HTTPFactory
from daphne.server import Server
from django.conf import settings
from django.middleware.csrf import InvalidTokenFormat, _check_token_format
from django.test import override_settings
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from commerce.flashsales import asgi, fast_http, gate
from commerce.flashsales.models import FlashEntry
from config.asgi import application
from tests.commerce.flashsales.test_lean_route import _setup


def request(sale_id, session, ticket, *, request_id=None, extra=b"", path=None) -> bytes:
    secret = secrets.token_hex(16)
    body = f"request_id={request_id or secrets.token_hex(6)}&ticket={ticket}".encode()
    return (
        (
            f"POST {path or f'/flash/{sale_id}/press/'} HTTP/1.1\r\n"
            "Host: testserver\r\n"
            "Origin: http://testserver\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Cookie: {settings.SESSION_COOKIE_NAME}={session}; csrftoken={secret}\r\n"
            f"X-CSRFToken: {secret}\r\n"
        ).encode()
        + extra
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def connection(access_log=None):
    server = Server(
        application=application,
        endpoints=["tcp:port=0"],
        action_logger=AccessLogGenerator(access_log) if access_log is not None else None,
    )
    server.connections = {}
    factory = HTTPFactory(server)
    channel = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport(
        hostAddress=IPv4Address("TCP", "127.0.0.1", 8000), peerAddress=IPv4Address("TCP", "127.0.0.1", 40000)
    )
    channel.makeConnection(transport)
    return channel, transport


def press_together(sale_id: int, people) -> list:
    """A connection per shopper of `people` ((user, session, ticket) each), every press written in the same turn
    of the loop, as a crowd's arrive; the (channel, transport) of each."""
    crowd = [connection() for _ in people]
    for (channel, _transport), (_user, session, ticket) in zip(crowd, people, strict=True):
        channel.dataReceived(request(sale_id, session, ticket))
    return crowd


def hang_up(crowd) -> None:
    """Each connection of `crowd` ((channel, transport) each) closed by its shopper."""
    for channel, _transport in crowd:
        channel.connectionLost(None)


def reached_the_gate(people) -> list[int]:
    """1 for each shopper ((user, session, ticket) each) whose press ran the gate's Lua step (its account's rate
    counter exists), 0 for one refused by the web process without asking."""
    redis = gate.redis()
    return [redis.exists(f"mh:flash:rate:u:{user.pk}") for user, _session, _ticket in people]


async def answers(transport, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    """The first `count` whole responses written to `transport` (waiting for them, at most ~10 s)."""
    for _ in range(1000):
        data = transport.value()
        parsed, rest = [], data
        while rest and len(parsed) < count:
            head, sep, after = rest.partition(b"\r\n\r\n")
            if not sep:
                break
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
            if "content-length" in headers:
                size = int(headers["content-length"])
                if len(after) < size:
                    break
                body, rest = after[:size], after[size:]
            else:  # Twisted's chunked answer (Daphne's path): one chunk and the last
                if b"\r\n0\r\n\r\n" not in after:
                    break
                chunked, _, rest = after.partition(b"\r\n0\r\n\r\n")
                body = chunked.split(b"\r\n", 1)[1] if b"\r\n" in chunked else b""
            parsed.append((int(lines[0].split()[1]), headers, body))
        if len(parsed) >= count:
            return parsed
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {count} answers in: {transport.value()[:500]!r}")


def test_the_proxy_headers_are_read_as_daphne_reads_them():  # no database, no loop: the reading alone
    from types import SimpleNamespace

    from daphne.utils import parse_x_forwarded_for

    trusting = SimpleNamespace(
        proxy_forwarded_address_header="X-Forwarded-For",
        proxy_forwarded_port_header="X-Forwarded-Port",
        proxy_forwarded_proto_header="X-Forwarded-Proto",
    )
    without_port = SimpleNamespace(**{**vars(trusting), "proxy_forwarded_port_header": None})
    cases = [
        {},
        {"x-forwarded-for": "10.0.0.7"},
        {"x-forwarded-for": " 10.0.0.7 , 192.168.1.1", "x-forwarded-port": "8443", "x-forwarded-proto": "https"},
        {"x-forwarded-for": "10.0.0.7 ", "x-forwarded-port": "x"},  # no comma: not stripped; no number: port 0
        {"x-forwarded-for": "2001:db8::1", "x-forwarded-port": " 81 "},
        {"x-forwarded-port": "81", "x-forwarded-proto": "http"},  # a port without an address is not read
        {"x-forwarded-for": "\xe4\xb8\xad", "x-forwarded-proto": "\xc3\xa9"},  # UTF-8 bytes, as Latin-1 text
        {"x-forwarded-for": ",", "host": "testserver"},
    ]
    for headers in cases:
        raw = {name.encode(): value.encode("latin-1") for name, value in headers.items()}
        for server in (trusting, without_port):
            names = [server.proxy_forwarded_address_header, server.proxy_forwarded_port_header]
            daphne = parse_x_forwarded_for(raw, *names, server.proxy_forwarded_proto_header, ["127.0.0.1", 4], "http")
            assert fast_http.forwarded(headers, server, ["127.0.0.1", 4], "http") == daphne, headers
    for bad in ({"x-forwarded-for": "\xff"}, {"x-forwarded-for": "a", "x-forwarded-port": "\xff"}):
        raw = {name.encode(): value.encode("latin-1") for name, value in bad.items()}
        with pytest.raises(UnicodeDecodeError):  # Daphne raises too: the press then goes to Twisted's path
            parse_x_forwarded_for(raw, "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", None, "http")
        with pytest.raises(UnicodeDecodeError):
            fast_http.forwarded(bad, trusting, None, "http")
    no_proxy = SimpleNamespace(proxy_forwarded_address_header=None)
    assert fast_http.forwarded({"x-forwarded-for": "a"}, no_proxy, None, "http") == (None, "http")


def test_the_csrf_token_check_accepts_the_formats_djangos_does():  # no database, no loop: the check alone
    ok, secret = "a1" * 16, "B2" * 16
    tokens = [ok, ok * 2, "", "a" * 31, "a" * 33, "a" * 63, "a" * 65, "-" * 32, "é" * 32, "٣" * 32, "ａ" * 32,
              "a" * 31 + " ", "a" * 31 + "\n", "a" * 31 + "_", "Z9" * 32]  # fmt: skip
    for token in tokens:
        try:
            _check_token_format(token)
            django_says = True
        except InvalidTokenFormat:
            django_says = False
        assert asgi._token_format_ok(token) is django_says, token
    assert asgi._token_format_ok(secret)


def test_a_press_form_is_read_as_parse_qs_reads_it():  # no database, no loop: the form alone
    texts = ["request_id=ab12&ticket=x:y:z", "", "&", "a", "a=", "=a", "a=1&a=2", "a==b", "a=1&&b=2", "a=%41", "a=b+c",
             "ticket=é", "a=1;b=2", "&".join(["f=1"] * 20), "&".join(["f=1"] * 21), "&" * 19, "&" * 20]  # fmt: skip
    for text in texts:
        try:
            expected = parse_qs(text, max_num_fields=asgi.MAX_FIELDS)
        except ValueError:
            expected = "too many"
        try:
            got = asgi._form(text)
        except ValueError:
            got = "too many"
        assert got == expected, text


def test_only_one_whole_simple_press_is_taken():  # no database, no loop: the parser alone
    press = request(7, "s", "t", request_id="fast-req-1")
    sale_id, headers, body = fast_http.parse_press(press)
    assert sale_id == 7 and headers["host"] == "testserver" and body.startswith(b"request_id=fast-req-1")
    assert headers["cookie"].startswith(f"{settings.SESSION_COOKIE_NAME}=s; csrftoken=")
    assert fast_http.parse_press(request(7, "s", "t", extra=b"Connection: keep-alive\r\n")) is not None  # browsers
    assert fast_http.parse_press(press[:-3]) is None  # the body is still arriving
    assert fast_http.parse_press(press + b"GET / HTTP/1.1\r\n\r\n") is None  # pipelined: Twisted's turn
    assert fast_http.parse_press(request(7, "s", "t", path="/flash/7/press/?x=1")) is None
    assert fast_http.parse_press(request(7, "s", "t", path="/flash/7/press")) is None
    for odd in (b"Transfer-Encoding: chunked\r\n", b"Expect: 100-continue\r\n", b"Connection: close\r\n",
                b"Upgrade: websocket\r\n", b"X_Forwarded_For: 1.2.3.4\r\n", b"Daphne-Root-Path: /x\r\n",
                b"X-A: 1\r\n continued\r\n", b"Content-Length: 3\r\n", b"X-Bad: a\x0bb\r\n",
                b"Host: x\x85y\r\n"):  # fmt: skip
        assert fast_http.parse_press(request(7, "s", "t", extra=odd)) is None, odd


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@override_settings(FLASH_SOLD_OUT_MEMO_MS=0)  # every press below is the gate's (or Django's) to answer
async def test_a_simple_press_is_answered_from_the_socket_and_the_rest_as_before():
    assert fast_http._installed  # config.asgi installed it (the web process's entry point)
    sale, [(u1, s1, t1), (u2, s2, t2), (u3, s3, t3)] = await sync_to_async(_setup)(quantity=2, n=3)
    channel, transport = connection()

    channel.dataReceived(request(sale.pk, s1, t1, request_id="fast-req-1"))
    [(status, headers, body)] = await answers(transport, 1)
    assert status == 202 and headers["x-flash-route"] == "lean" and headers["content-type"] == "application/json"
    assert b'"status": "queued"' in body and b'"left": 1' in body
    assert await sync_to_async(gate.queued)(sale.pk) == 1
    assert not channel._channel.requests  # Twisted's request machinery never saw it

    # Two presses in one go (pipelined), the second a repeat: answered in order, the repeat is one request.
    transport.clear()
    twice = request(sale.pk, s2, t2, request_id="fast-req-2")
    channel.dataReceived(twice + twice)
    (first, second) = await answers(transport, 2)
    assert first[0] == 202 and second[0] == 200 and b'"duplicate": true' in second[2]
    assert await sync_to_async(gate.left)(sale.pk) == 0

    # A press the lean route declines (no ticket) goes to Twisted, Daphne and Django's view: one entry, once.
    transport.clear()
    channel.dataReceived(request(sale.pk, s3, "", request_id="fast-req-3"))
    [(status, headers, body)] = await answers(transport, 1)
    assert status == 409 and "x-flash-route" not in headers and b'"code": "sold_out"' in body
    assert not await FlashEntry.objects.filter(request_id="fast-req-3").aexists()

    # A foreign origin never reaches the gate: Django's CSRF check answers.
    transport.clear()
    channel.dataReceived(request(sale.pk, s3, t3).replace(b"Origin: http://testserver", b"Origin: https://evil.x"))
    [(status, _headers, _body)] = await answers(transport, 1)
    assert status == 403
    assert await sync_to_async(gate.left)(sale.pk) == 0
    channel.connectionLost(None)

    # More than 16 KB behind a press that is being answered: the connection stops being read until the answer.
    channel, transport = connection()
    channel.dataReceived(request(sale.pk, s1, t1, request_id="fast-req-4"))
    channel.dataReceived(b"GET / HTTP/1.1\r\nHost: testserver\r\nX-Pad: " + b"x" * 20000)
    assert transport.producerState == "paused"
    [(status, _headers, body)] = await answers(transport, 1)
    assert status == 409 and b'"code": "limit"' in body
    assert transport.producerState == "producing"
    channel.connectionLost(None)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_sale_the_gate_just_called_sold_out_is_refused_from_the_socket_without_asking():
    sale, [(u1, s1, t1), (u2, s2, t2), (u3, s3, t3)] = await sync_to_async(_setup)(quantity=1, n=3)
    log = io.StringIO()
    channel, transport = connection(access_log=log)
    channel.dataReceived(request(sale.pk, s1, t1) + request(sale.pk, s2, t2))  # pipelined: the second waits
    (first, second) = await answers(transport, 2)
    assert first[0] == 202 and second[0] == 409 and b'"code": "sold_out"' in second[2]

    transport.clear()
    foreign = request(sale.pk, s3, t3).replace(b"Origin: http://testserver", b"Origin: https://evil.x")
    channel.dataReceived(foreign)
    await asyncio.sleep(0)
    assert transport.value().startswith(b"HTTP/1.1 409 ")  # sent at the end of this loop turn: no Redis round trip
    [(status, headers, body)] = await answers(transport, 1)
    assert status == 409 and headers["x-flash-route"] == "lean" and b'"code": "sold_out"' in body
    assert not channel._channel.requests and not await FlashEntry.objects.filter(user_id=u3.pk).aexists()
    channel.connectionLost(None)

    # Each answer has the line Daphne's access log writes (its date formatted once a second).
    daphne = io.StringIO()
    AccessLogGenerator(daphne).write_entry(
        host="127.0.0.1:40000",
        date=datetime.now(),
        request=f"POST /flash/{sale.pk}/press/",
        status=409,
        length=len(body),
    )
    stamp = re.compile(r"\[[^]]+\]")
    lines = log.getvalue().splitlines()
    # (Daphne writes its line once Twisted has finished a request, after the pipelined refusal Twisted handed on.)
    assert sorted(line.split('"')[2].split()[0] for line in lines) == ["202", "409", "409"]
    assert stamp.sub("[]", lines[-1]) == stamp.sub("[]", daphne.getvalue().strip())
    written = datetime.strptime(stamp.search(lines[-1])[0][1:-1], "%d/%b/%Y:%H:%M:%S")
    assert abs((datetime.now() - written).total_seconds()) < 5


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_crowd_beyond_the_presses_in_flight_waits_its_turn_and_is_refused_without_asking_once_sold_out():
    sale, people = await sync_to_async(_setup)(quantity=2, n=5)
    with override_settings(FLASH_PRESSES_IN_FLIGHT=2):
        crowd = press_together(sale.pk, people)
        said = [(await answers(transport, 1))[0] for _channel, transport in crowd]
    assert [status for status, _headers, _body in said] == [202, 202, 409, 409, 409]
    assert all(headers["x-flash-route"] == "lean" and b'"code": "sold_out"' in body for _s, headers, body in said[2:])
    # The third took the place the first left and heard 已抢光 from the gate; the second took the last unit (left
    # 0), so the fourth and fifth never reached it (no rate counter of their accounts).
    assert reached_the_gate(people) == [1, 1, 1, 0, 0]
    hang_up(crowd)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_once_the_gate_says_how_many_units_are_left_that_many_presses_go_to_it_at_once():
    sale, people = await sync_to_async(_setup)(quantity=4, n=5)
    with override_settings(FLASH_PRESSES_IN_FLIGHT=1):
        crowd = press_together(sale.pk, people)
        assert fast_http._in_flight[sale.pk] == 1  # nothing known yet: one press at the gate, four parked
        first = crowd[0][1]
        for _ in range(10000):  # loop turn by loop turn, until the first answer is written
            if first.value():
                break
            await asyncio.sleep(0)
        # Its reply said three units are left: the three next presses went to the gate together, none waits for
        # another's reply (their replies cannot have been read in the turn that wrote the first answer).
        assert b'"left": 3' in first.value()
        assert fast_http._in_flight[sale.pk] == 3 and len(fast_http._parked[sale.pk]) == 1
        said = [(await answers(transport, 1))[0] for _channel, transport in crowd]
    assert [status for status, _headers, _body in said] == [202, 202, 202, 202, 409]
    assert reached_the_gate(people) == [1, 1, 1, 1, 0]  # the fourth took the last unit: the fifth was not asked
    hang_up(crowd)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_answers_written_in_a_long_loop_turn_leave_every_few_instead_of_at_its_end():
    sale, people = await sync_to_async(_setup)(quantity=1, n=1)
    gate.remember_sold_out(sale.pk)  # every press is refused at once, from the process's memory
    crowd = press_together(sale.pk, people * (fast_http.SEND_EVERY + 1))  # one loop turn
    sent = [transport.value().startswith(b"HTTP/1.1 409 ") for _channel, transport in crowd]
    assert sent == [True] * fast_http.SEND_EVERY + [False]  # the last one waits for the turn's end
    await asyncio.sleep(0)
    assert crowd[-1][1].value().startswith(b"HTTP/1.1 409 ")
    hang_up(crowd)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_press_parked_in_a_long_loop_turn_reads_the_gates_reply_without_waiting_for_the_turn_to_end():
    sale, people = await sync_to_async(_setup)(quantity=1, n=3)
    await gate.warm()  # the gate's connection is open, as in a web process
    with override_settings(FLASH_PRESSES_IN_FLIGHT=1):
        crowd = press_together(sale.pk, people[:1])  # at the gate
        await asyncio.sleep(0)  # the turn that sends it to Redis
        time.sleep(0.5)  # a long turn (blocked on purpose): the reply is in the socket, not read by the loop
        crowd += press_together(sale.pk, people[1:])
        # Still the same turn: the second press, parked, read the reply (the last unit went to the first), so it
        # and the third were refused from the process's memory without going to the gate.
        assert gate.sold_out_known(sale.pk) and sale.pk not in fast_http._parked
        assert fast_http._in_flight[sale.pk] == 0
        said = [(await answers(transport, 1))[0] for _channel, transport in crowd]
    assert [status for status, _headers, _body in said] == [202, 409, 409]
    assert reached_the_gate(people) == [1, 0, 0]
    hang_up(crowd)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_parked_presses_are_handed_to_twisted_when_the_gates_connection_is_lost(caplog):
    sale, people = await sync_to_async(_setup)(quantity=2, n=4)
    await gate.warm()  # the route's connection is open, as in the web process
    with override_settings(FLASH_PRESSES_IN_FLIGHT=1):
        crowd = press_together(sale.pk, people)
        # Before the loop turn that would send the first press: its connection dies (a Redis restart).
        gate.redis().client_kill_filter(_type="normal", skipme=True)
        said = [(await answers(transport, 1))[0] for _channel, transport in crowd]
    # The press at the gate failed and went to Twisted and Daphne (whose ASGI route opened a new connection), and
    # so did the parked ones: every press answered, two units, two queued presses.
    assert [r.message for r in caplog.records if "Redis did not answer" in r.message] != []
    assert sorted(status for status, _headers, _body in said) == [202, 202, 409, 409]
    assert await sync_to_async(gate.left)(sale.pk) == 0 and await sync_to_async(gate.queued)(sale.pk) == 2
    assert all(not channel._channel.requests for channel, _transport in crowd)
    hang_up(crowd)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_crowd_is_answered_without_the_cyclic_garbage_collector_which_is_back_right_after(monkeypatch):
    sale, people = await sync_to_async(_setup)(quantity=1, n=1)
    gate.remember_sold_out(sale.pk)  # refused from the process's memory: no Redis round trip
    for _ in range(100):  # an earlier test's presses paused it: back within GC_PAUSE
        if not fast_http._gc_paused[0]:
            break
        await asyncio.sleep(0.05)
    monkeypatch.setattr(fast_http, "GC_PAUSE", 0.2)
    assert gc.isenabled()
    crowd = press_together(sale.pk, people * 3)
    assert not gc.isenabled()  # switched off by the first press of the crowd
    said = [(await answers(transport, 1))[0] for _channel, transport in crowd]
    assert [status for status, _headers, _body in said] == [409, 409, 409]
    await asyncio.sleep(0.3)
    assert gc.isenabled()  # back GC_PAUSE after
    hang_up(crowd)

    gc.disable()  # switched off by someone else: left to them
    try:
        crowd = press_together(sale.pk, people)
        await answers(crowd[0][1], 1)
        await asyncio.sleep(0.3)
        assert not gc.isenabled()
        hang_up(crowd)
    finally:
        gc.enable()
