"""The lean route's pipelined Redis connection (commerce/flashsales/redis_wire.py) on the real Redis: replies in
order, a lost connection or an unknown script costs the presses waiting on it at most an error, never a
wrong answer; the next press reconnects."""

from __future__ import annotations

import asyncio
import time

import pytest
from django.conf import settings
from django_redis import get_redis_connection

from commerce.flashsales import redis_wire

SCRIPT = "return {ARGV[1], redis.call('INCR', KEYS[1])}"
KEY = "mh:test:wire"


def test_replies_are_read_whole_and_in_order():
    assert redis_wire.command("EVALSHA", b"ab", 1, "k") == b"*4\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n1\r\n$1\r\nk\r\n"
    # Lengths in bytes: a non-ASCII text as UTF-8, bytes as they are, integers (and booleans) in decimal.
    assert redis_wire.command("秒杀", b"\xff\x00", -12, True, "") == (
        b"*5\r\n$6\r\n\xe7\xa7\x92\xe6\x9d\x80\r\n$2\r\n\xff\x00\r\n$3\r\n-12\r\n$1\r\n1\r\n$0\r\n\r\n"
    )
    reply = b"*3\r\n$8\r\naccepted\r\n:41\r\n:0\r\n+OK\r\n"
    assert redis_wire.parse(reply) == ([b"accepted", 41, 0], len(reply) - 5)
    assert redis_wire.parse(reply, len(reply) - 5) == ("OK", len(reply))
    for cut in range(1, len(reply) - 5):
        assert redis_wire.parse(reply[:cut]) is None  # not all there yet: wait for more
    error, _ = redis_wire.parse(b"-NOSCRIPT No matching script\r\n")
    assert isinstance(error, redis_wire.WireError) and str(error).startswith("NOSCRIPT")
    assert redis_wire.parse(b"$-1\r\n") == (None, 5)


@pytest.mark.asyncio
async def test_many_calls_share_one_connection_and_survive_a_lost_connection_and_a_flushed_script_cache():
    sync = get_redis_connection("default")
    sync.delete(KEY)
    wire = redis_wire.wire(settings.REDIS_URL, SCRIPT)
    replies = await asyncio.gather(*(wire.evalsha([KEY], [f"p{n}"]) for n in range(200)))
    assert replies == [[f"p{n}".encode(), n + 1] for n in range(200)]  # sent and answered in order
    first = wire.connection

    first.transport.abort()  # the connection is lost: presses waiting on it fail, the next one reconnects
    await asyncio.sleep(0)
    assert first.lost
    assert await wire.evalsha([KEY], ["again"]) == [b"again", 201]
    assert wire.connection is not first

    wire.sha = b"0" * 40  # as after SCRIPT FLUSH (not run here: the server is shared): NOSCRIPT, loaded again, run once
    assert await wire.evalsha([KEY], ["flushed"]) == [b"flushed", 202]
    assert int(sync.get(KEY)) == 202
    sync.delete(KEY)


@pytest.mark.asyncio
async def test_callback_calls_share_the_connection_and_hear_every_outcome():
    sync = get_redis_connection("default")
    sync.delete(KEY)
    wire = redis_wire.wire(settings.REDIS_URL, SCRIPT)
    assert redis_wire.wire(settings.REDIS_URL, SCRIPT) is wire  # the same Wire for the same loop, URL and script
    await wire.warm()
    heard: list = []
    for n in range(50):  # no task per call: the replies come back through the callbacks, in order
        wire.evalsha_then([KEY], [f"c{n}"], heard.append)
    while len(heard) < 50:
        await asyncio.sleep(0.01)
    assert heard == [[f"c{n}".encode(), n + 1] for n in range(50)]

    wire.sha = b"0" * 40  # NOSCRIPT: loaded again through the awaitable path, and the callback still hears it
    done = asyncio.get_running_loop().create_future()
    wire.evalsha_then([KEY], ["reloaded"], done.set_result)
    assert await asyncio.wait_for(done, 5) == [b"reloaded", 51]

    lost = []
    wire.connection.call_then(redis_wire.command("BLPOP", "mh:test:never", 0), lost.append)
    wire.connection.transport.abort()  # the waiting call hears a ConnectionError; the next call reconnects
    await asyncio.sleep(0)
    assert len(lost) == 1 and isinstance(lost[0], ConnectionError)
    again = asyncio.get_running_loop().create_future()
    wire.evalsha_then([KEY], ["after"], again.set_result)
    assert await asyncio.wait_for(again, 5) == [b"after", 52]
    sync.delete(KEY)


@pytest.mark.asyncio
async def test_a_long_loop_turn_sends_its_commands_every_few_instead_of_at_its_end():
    sync = get_redis_connection("default")
    sync.delete(KEY)
    wire = redis_wire.wire(settings.REDIS_URL, SCRIPT)
    await wire.warm()
    heard: list = []
    every = redis_wire.FLUSH_EVERY
    for n in range(every + 1):
        wire.evalsha_then([KEY], [f"t{n}"], heard.append)
    # Still the same loop turn (this test blocks it on purpose): Redis has already run the first FLUSH_EVERY
    # commands; the one after them leaves when the turn ends, with whatever else the turn adds.
    for _ in range(500):
        if int(sync.get(KEY) or 0) >= every:
            break
        time.sleep(0.01)
    time.sleep(0.05)
    assert int(sync.get(KEY) or 0) == every and heard == []
    while len(heard) < every + 1:
        await asyncio.sleep(0.01)
    assert heard == [[f"t{n}".encode(), n + 1] for n in range(every + 1)]
    sync.delete(KEY)


def test_the_press_reply_is_read_by_its_short_pattern_and_anything_else_in_full():
    assert redis_wire.parse(b"*3\r\n$8\r\nsold_out\r\n:0\r\n:0\r\n") == ([b"sold_out", 0, 0], 26)
    assert redis_wire.parse(b"*3\r\n$8\r\naccepted\r\n:-1\r\n:1\r\n+OK\r\n") == ([b"accepted", -1, 1], 27)
    assert redis_wire.parse(b"*3\r\n$8\r\naccepted\r\n:-1\r\n:1") is None  # not all there yet
    with pytest.raises(redis_wire.WireError):  # a length that does not match its word is not taken on trust
        redis_wire.parse(b"*3\r\n$9\r\nsold_out\r\n:0\r\n:0\r\n")


@pytest.mark.asyncio
async def test_the_web_process_warm_up_opens_the_gate_connection_before_any_press():
    from commerce.flashsales import asgi, gate

    await asgi.warm()  # what fast_http schedules when Daphne's loop starts
    wire = redis_wire.wire(settings.REDIS_URL, gate.PRESS_LUA)
    assert wire.connection is not None and not wire.connection.lost and wire.sha  # the script is loaded too
