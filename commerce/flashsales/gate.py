"""The atomic step of a flash sale: one Redis Lua script answers every press of 抢购 at once.

Keys of sale N (one hash tag, so a Redis Cluster keeps them on one node):
    mh:flash:{N}:meta      hash  start_ms, end_ms, limit (per shopper)   written by `load`; absent = not loaded
    mh:flash:{N}:left      int   units the Redis gate may still hand out
    mh:flash:{N}:users     hash  user id -> units accepted for that shopper
    mh:flash:{N}:reqs      hash  "<user>:<request id>" -> "1" for every accepted press
    mh:flash:rate:ip:<a>   int   presses from one address in the current window (PX window)
    mh:flash:rate:u:<id>   int   presses from one account in the current window

The script's contract (PRESS_LUA), checks in this order, the first that applies is the answer:
    duplicate    the same (user, request id) was accepted before: nothing changes (the first answer stands)
    paused       the sale is not loaded (not started yet, or Redis lost it: see `load`): nothing changes
    rate_limited the address or the account pressed more than its limit in the window
    not_started  Redis TIME < start_ms          ended  Redis TIME >= end_ms
    limit        the shopper already holds `limit` units     sold_out   left <= 0
    accepted     left -= 1, users[user] += 1, reqs[user:request] = 1
It returns {answer, left}. Everything happens in one script, so no two presses can both take the last unit.
The database keeps the truth (FlashEntry rows, FlashSale.sold with a CHECK sold <= reserved): `load` rebuilds
these keys from it after a Redis restart, and the worker's conditional UPDATE refuses any unit Redis would
hand out twice.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django_redis import get_redis_connection

from commerce.flashsales import redis_wire
from config.settings_memo import from_settings

PRESS_LUA = """
if ARGV[8] ~= '' and redis.call('EXISTS', KEYS[8]) == 0 then
  return {'no_session', -1, 0}
end
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then
  return {'duplicate', tonumber(redis.call('GET', KEYS[2]) or '0'), 0}
end
local meta = redis.call('HMGET', KEYS[1], 'start_ms', 'end_ms', 'limit')
if not meta[1] then
  return {'paused', -1, 0}
end
local window = tonumber(ARGV[5])
local ip = redis.call('INCR', KEYS[5])
if ip == 1 then redis.call('PEXPIRE', KEYS[5], window) end
local acct = redis.call('INCR', KEYS[6])
if acct == 1 then redis.call('PEXPIRE', KEYS[6], window) end
if ip > tonumber(ARGV[3]) or acct > tonumber(ARGV[4]) then
  return {'rate_limited', -1, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now < tonumber(meta[1]) then return {'not_started', -1, 0} end
if now >= tonumber(meta[2]) then return {'ended', 0, 0} end
local held = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if held >= tonumber(meta[3]) then return {'limit', -1, 0} end
local left = tonumber(redis.call('GET', KEYS[2]) or '0')
if left <= 0 then return {'sold_out', 0, 0} end
left = redis.call('DECR', KEYS[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('HSET', KEYS[4], ARGV[2], '1')
local kick = 0
if ARGV[10] == '1' then
  redis.call('XADD', KEYS[7], '*', 'u', ARGV[1], 'r', ARGV[6], 'a', ARGV[7])
  if redis.call('SET', KEYS[9], '1', 'NX', 'PX', tonumber(ARGV[9])) then kick = 1 end
end
return {'accepted', left, kick}
"""

#: Give one unit back (a refused placement, a cancelled flash order): only for a press that was accepted.
RELEASE_LUA = """
if redis.call('HDEL', KEYS[3], ARGV[2]) == 0 then return 0 end
if not redis.call('HGET', KEYS[4], 'start_ms') then return 0 end
redis.call('INCR', KEYS[1])
local held = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if held <= 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
"""

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
#: The session named by the lean route's cookie is not in the cache (logged out, expired, or only in the
#: database): the lean route hands the press to Django's view, which reads it properly.
NO_SESSION = "no_session"
#: The consumer group of every sale's queue stream (the workers that turn accepted presses into orders).
GROUP = "placers"
#: A queue message a drainer read but did not acknowledge for this long is taken over by another drainer
#: (its worker was killed). Longer than one batch can take.
STALE_MS = 30_000
#: One drain kick per sale per this many milliseconds (the running drainer picks up what comes meanwhile).
KICK_MS = 500


def redis():
    return get_redis_connection("default")


def keys(sale_id: int) -> dict[str, str]:
    prefix = f"mh:flash:{{{int(sale_id)}}}"
    return {
        "meta": f"{prefix}:meta",
        "left": f"{prefix}:left",
        "users": f"{prefix}:users",
        "reqs": f"{prefix}:reqs",
        "queue": f"{prefix}:queue",
        "kick": f"{prefix}:kick",
    }


def request_key(user_id: int, request_id: str) -> str:
    return f"{int(user_id)}:{request_id}"


class Answer(NamedTuple):
    answer: str  # accepted / duplicate / rate_limited / paused / not_started / ended / limit / sold_out / no_session
    left: int
    kick: bool = False  # accepted and no drain was asked for in the last KICK_MS: ask for one


_scripts: dict[tuple[str, int], object] = {}


def _script(name: str, source: str):
    client = redis()
    key = (name, id(client.connection_pool))  # one per server: a settings change (tests) gets its own
    script = _scripts.get(key)
    if script is None:
        script = _scripts[key] = client.register_script(source)
    return script


#: One Lua step's (keys, args).
Call = tuple[list, list]


def _read_rates() -> tuple[int, int, int]:
    """The press limits (per address, per account, window), read once per settings."""
    return (
        int(settings.FLASH_SALE_RATE_PER_ADDRESS),
        int(settings.FLASH_SALE_RATE_PER_ACCOUNT),
        int(settings.FLASH_SALE_RATE_WINDOW_MS),
    )


def _read_wire_url() -> str:
    """The Redis URL the pipelined connection speaks to, "" under Sentinel (redis.asyncio then)."""
    return "" if getattr(settings, "REDIS_SENTINELS", None) else settings.REDIS_URL


_rates = from_settings(_read_rates)
_wire_url = from_settings(_read_wire_url)


def press_call(
    *,
    sale_id: int,
    user_id: int,
    request_id: str,
    address: str,
    address_id: int,
    session_cache_key: str = "",
    enqueue: bool = False,
) -> tuple[list, list]:
    k = keys(sale_id)
    return (
        [
            k["meta"],
            k["left"],
            k["users"],
            k["reqs"],
            f"mh:flash:rate:ip:{address}",
            f"mh:flash:rate:u:{int(user_id)}",
            k["queue"],
            session_cache_key or k["meta"],
            k["kick"],
        ],
        [
            int(user_id),
            request_key(user_id, request_id),
            *_rates(),
            request_id,
            int(address_id),
            "1" if session_cache_key else "",
            KICK_MS,
            "1" if enqueue else "",
        ],
    )


def _answer(raw) -> Answer:
    answer, left, kick = raw
    return Answer(answer=answer.decode() if isinstance(answer, bytes) else str(answer), left=int(left), kick=bool(kick))


def press(*, sale_id: int, user_id: int, request_id: str, address: str, address_id: int) -> Answer:
    """Run the Lua step for one press (one Redis round trip). The caller records an accepted press itself."""
    keys_, args = press_call(
        sale_id=sale_id, user_id=user_id, request_id=request_id, address=address, address_id=address_id
    )
    return _answer(_script("press", PRESS_LUA)(keys=keys_, args=args))


# --- The same step on an asyncio client (the lean 抢购 route, commerce.flashsales.asgi) ---------------------------

#: Connections of one event loop's client (the lean route's presses share them; each press is one round trip).
ASYNC_CONNECTIONS = 32
_async_clients = weakref.WeakKeyDictionary()  # event loop -> {REDIS_URL: client}


def async_redis():
    """One redis.asyncio client per event loop, on the same server and database as the cache."""
    loop = asyncio.get_running_loop()
    per_loop = _async_clients.setdefault(loop, {})
    client = per_loop.get(settings.REDIS_URL)
    if client is None:
        if getattr(settings, "REDIS_SENTINELS", None):
            from redis.asyncio.sentinel import Sentinel

            from config.redis_clients import _url_parts

            db, password = _url_parts(settings.REDIS_URL)
            client = Sentinel(settings.REDIS_SENTINELS, socket_timeout=5).master_for(
                settings.REDIS_SENTINEL_MASTER, db=db, password=password, socket_timeout=5
            )
        else:
            from redis.asyncio import BlockingConnectionPool, Redis

            # Bounded: a burst of presses waits for one of ASYNC_CONNECTIONS instead of opening a connection each.
            pool = BlockingConnectionPool.from_url(
                settings.REDIS_URL,
                max_connections=ASYNC_CONNECTIONS,
                timeout=5,
                socket_timeout=5,
                socket_connect_timeout=2,
            )
            client = Redis(connection_pool=pool)
        client.flash_press = client.register_script(PRESS_LUA)
        per_loop[settings.REDIS_URL] = client
    return client


async def apress(call: Call) -> Answer:
    """`press` on an asyncio client for a `press_call(...)` that also checks the session (NO_SESSION) and
    enqueues (an accepted press goes on the sale's queue stream in the same step; `kick`: ask for a drain)."""
    keys_, args = call
    wire = _wire()
    if wire is not None:  # one pipelined connection per loop (redis_wire.py); Sentinel or TLS: redis.asyncio
        return _answer(await wire.evalsha(keys_, args))
    return _answer(await async_redis().flash_press(keys=keys_, args=args))


def press_then(call: Call, done: Callable[[object], None]) -> None:
    """`apress` without a task: `done(Answer)`, or `done(exception)` when Redis did not answer."""
    keys_, args = call

    def replied(reply) -> None:
        if not isinstance(reply, Exception):
            try:
                reply = _answer(reply)
            except (TypeError, ValueError) as error:  # not the script's reply: as if Redis had failed
                reply = error
        done(reply)

    wire = _wire()
    if wire is not None:
        wire.evalsha_then(keys_, args, replied)
        return

    task = asyncio.ensure_future(async_redis().flash_press(keys=keys_, args=args))
    task.add_done_callback(lambda finished: replied(redis_wire.outcome(finished)))


def _wire() -> redis_wire.Wire | None:
    """The running loop's pipelined connection for the press script, or None (Sentinel or TLS: redis.asyncio)."""
    url = _wire_url()
    return redis_wire.wire(url, PRESS_LUA) if url else None


def read_replies_now() -> None:
    """The press script's replies that have arrived, handed out now (see fast_http: a long turn of reads)."""
    wire = _wire()
    if wire is not None:
        wire.read_now()


async def warm() -> None:
    """Open the press script's connection of the running loop before the first crowd (the web process's start)."""
    wire = _wire()
    if wire is not None:
        await wire.warm()


# --- Sold out, remembered for a moment (the lean route's refusals without Redis) ----------------------------

_sold_out_until: dict[int, float] = {}  # sale id -> time.monotonic() until which this process says 已抢光 itself


def _read_sold_out_memo() -> float:
    return max(0, int(settings.FLASH_SOLD_OUT_MEMO_MS)) / 1000


_sold_out_memo = from_settings(_read_sold_out_memo)


def remember_sold_out(sale_id: int) -> None:
    """The gate just answered that sale `sale_id` has no unit left: for FLASH_SOLD_OUT_MEMO_MS this process
    refuses its presses without asking (`sold_out_known`)."""
    memo = _sold_out_memo()
    if memo:
        _sold_out_until[sale_id] = time.monotonic() + memo


def sold_out_known(sale_id: int) -> bool:
    """Whether the gate said `sale_id` is sold out less than FLASH_SOLD_OUT_MEMO_MS ago (and no unit came back
    through this process since)."""
    until = _sold_out_until.get(sale_id)
    if until is None:
        return False
    if time.monotonic() < until:
        return True
    _sold_out_until.pop(sale_id, None)
    return False


def _forget_sold_out(sale_id: int) -> None:
    _sold_out_until.pop(sale_id, None)


def release(*, sale_id: int, user_id: int, request_id: str) -> bool:
    """Give the unit of an accepted press back to the gate (once per press); False if nothing was held."""
    k = keys(sale_id)
    done = _script("release", RELEASE_LUA)(
        keys=[k["left"], k["users"], k["reqs"], k["meta"]], args=[int(user_id), request_key(user_id, request_id)]
    )
    if done:
        _forget_sold_out(sale_id)
    return bool(done)


LOAD_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('SET', KEYS[2], ARGV[4])
local i = 6
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for j = i, #ARGV do
  redis.call('HSET', KEYS[4], ARGV[j], '1')
end
redis.call('HSET', KEYS[1], 'start_ms', ARGV[1], 'end_ms', ARGV[2], 'limit', ARGV[3])
return 1
"""

WINDOW_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'start_ms', ARGV[1], 'end_ms', ARGV[2], 'limit', ARGV[3])
return 1
"""


def load(
    *, sale_id: int, start_ms: int, end_ms: int, limit: int, left: int, held: dict[int, int], requests: list[str]
) -> bool:
    """Write sale `sale_id`'s keys from the database's truth in one script, only if the gate is not loaded (its
    meta key is absent); True if this call loaded it. The gate opens with them.

    A live gate is never overwritten: `left`, the holders and the request ids were read from the database
    before this call, so presses accepted since (or still on the queue stream, not in the database yet) would
    be forgotten — units handed out twice, a repeated request accepted again. The queue stream is kept (what
    it holds is not in the database yet; `left` must already count it)."""
    k = keys(sale_id)
    ensure_group(sale_id)
    args: list[object] = [int(start_ms), int(end_ms), int(limit), max(0, int(left)), len(held)]
    for user_id, count in held.items():
        args += [str(user_id), int(count)]
    args += requests
    loaded = _script("load", LOAD_LUA)(keys=[k["meta"], k["left"], k["users"], k["reqs"]], args=args)
    _forget_sold_out(sale_id)
    return bool(loaded)


def set_window(*, sale_id: int, start_ms: int, end_ms: int, limit: int) -> bool:
    """An edited window or per-shopper limit reaches a loaded gate (units, holders and requests untouched);
    False if the gate is not loaded (the next `load` reads the edit from the database)."""
    k = keys(sale_id)
    return bool(_script("window", WINDOW_LUA)(keys=[k["meta"]], args=[int(start_ms), int(end_ms), int(limit)]))


def is_loaded(sale_id: int) -> bool:
    return bool(redis().exists(keys(sale_id)["meta"]))


def left(sale_id: int) -> int | None:
    value = redis().get(keys(sale_id)["left"])
    return None if value is None else int(value)


def expire(sale_id: int, seconds: int) -> None:
    """After the sale ended and was reconciled: let its keys go in a while."""
    pipe = redis().pipeline(transaction=False)
    for key in keys(sale_id).values():
        pipe.expire(key, seconds)
    pipe.execute()


# --- The queue: accepted presses wait in a stream until a drainer made them entries and orders --------------------


@dataclass(frozen=True)
class Queued:
    message_id: str
    user_id: int
    request_id: str
    address_id: int | None


def ensure_group(sale_id: int) -> None:
    """Create the sale's queue stream and its consumer group (harmless when they exist)."""
    import redis as redis_lib

    try:
        redis().xgroup_create(keys(sale_id)["queue"], GROUP, id="0", mkstream=True)
    except redis_lib.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def _decode(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _parse(messages) -> list[Queued]:
    out = []
    for message_id, fields in messages or []:
        if not fields:  # deleted meanwhile
            continue
        f = {_decode(k): _decode(v) for k, v in fields.items()}
        address = f.get("a") or ""
        out.append(
            Queued(
                message_id=_decode(message_id),
                user_id=int(f["u"]),
                request_id=f["r"],
                address_id=int(address) if address.isdigit() and int(address) > 0 else None,
            )
        )
    return out


def take(sale_id: int, consumer: str, *, count: int, block_ms: int) -> list[Queued]:
    """Up to `count` queued presses for drainer `consumer`: first those a dead drainer held for STALE_MS, else
    new ones (waiting up to `block_ms` for some). They stay pending until `done`."""
    import redis as redis_lib

    queue = keys(sale_id)["queue"]
    try:
        _next, stale, *_ = redis().xautoclaim(queue, GROUP, consumer, min_idle_time=STALE_MS, count=count)
        if stale:
            return _parse(stale)
        reply = redis().xreadgroup(GROUP, consumer, {queue: ">"}, count=count, block=block_ms or None)
    except redis_lib.ResponseError as error:
        if "NOGROUP" in str(error):  # Redis lost the stream: nothing to drain (the gate reloads from the database)
            return []
        raise
    return _parse(reply[0][1]) if reply else []


def done(sale_id: int, message_ids: list[str]) -> None:
    """The presses are entries in the database (committed): take them off the queue."""
    if not message_ids:
        return
    queue = keys(sale_id)["queue"]
    pipe = redis().pipeline(transaction=True)
    pipe.xack(queue, GROUP, *message_ids)
    pipe.xdel(queue, *message_ids)
    pipe.execute()


def queued(sale_id: int) -> int:
    """Presses accepted but not yet entries in the database (read or not)."""
    return int(redis().xlen(keys(sale_id)["queue"]))


def forget_consumer(sale_id: int, consumer: str) -> None:
    import redis as redis_lib

    try:
        redis().xgroup_delconsumer(keys(sale_id)["queue"], GROUP, consumer)
    except redis_lib.ResponseError:
        pass


# --- The showcase: which SKUs have a sale coming or running (the product page reads it without SQL) -----------

SHOWCASE = "mh:flash:showcase"


def show(sku_id: int, card: dict | None) -> None:
    """Put (or with None take off) the sale card of `sku_id`: what the product page shows, as JSON."""
    import json

    if card is None:
        redis().hdel(SHOWCASE, int(sku_id))
    else:
        redis().hset(SHOWCASE, int(sku_id), json.dumps(card, ensure_ascii=False))


def showcase() -> dict[int, dict]:
    """Every SKU's sale card (one HGETALL)."""
    import json

    return {int(k): json.loads(v) for k, v in redis().hgetall(SHOWCASE).items()}
