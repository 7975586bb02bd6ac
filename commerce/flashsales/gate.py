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
    rate_limited the address or the account pressed more than its limit in the window
    paused       the sale is not loaded (not started yet, or Redis lost it: see `load`)
    not_started  Redis TIME < start_ms          ended  Redis TIME >= end_ms
    limit        the shopper already holds `limit` units     sold_out   left <= 0
    accepted     left -= 1, users[user] += 1, reqs[user:request] = 1
It returns {answer, left}. Everything happens in one script, so no two presses can both take the last unit.
The database keeps the truth (FlashEntry rows, FlashSale.sold with a CHECK sold <= reserved): `load` rebuilds
these keys from it after a Redis restart, and the worker's conditional UPDATE refuses any unit Redis would
hand out twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

PRESS_LUA = """
if redis.call('HEXISTS', KEYS[4], ARGV[2]) == 1 then
  return {'duplicate', tonumber(redis.call('GET', KEYS[2]) or '0')}
end
local window = tonumber(ARGV[5])
local ip = redis.call('INCR', KEYS[5])
if ip == 1 then redis.call('PEXPIRE', KEYS[5], window) end
local acct = redis.call('INCR', KEYS[6])
if acct == 1 then redis.call('PEXPIRE', KEYS[6], window) end
if ip > tonumber(ARGV[3]) or acct > tonumber(ARGV[4]) then
  return {'rate_limited', -1}
end
local meta = redis.call('HMGET', KEYS[1], 'start_ms', 'end_ms', 'limit')
if not meta[1] then
  return {'paused', -1}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now < tonumber(meta[1]) then return {'not_started', -1} end
if now >= tonumber(meta[2]) then return {'ended', 0} end
local held = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if held >= tonumber(meta[3]) then return {'limit', -1} end
local left = tonumber(redis.call('GET', KEYS[2]) or '0')
if left <= 0 then return {'sold_out', 0} end
left = redis.call('DECR', KEYS[2])
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('HSET', KEYS[4], ARGV[2], '1')
return {'accepted', left}
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


def redis():
    return get_redis_connection("default")


def keys(sale_id: int) -> dict[str, str]:
    prefix = f"mh:flash:{{{int(sale_id)}}}"
    return {"meta": f"{prefix}:meta", "left": f"{prefix}:left", "users": f"{prefix}:users", "reqs": f"{prefix}:reqs"}


def request_key(user_id: int, request_id: str) -> str:
    return f"{int(user_id)}:{request_id}"


@dataclass(frozen=True)
class Answer:
    answer: str  # accepted / duplicate / rate_limited / paused / not_started / ended / limit / sold_out
    left: int


_scripts: dict[str, object] = {}


def _script(name: str, source: str):
    script = _scripts.get(name)
    if script is None:
        script = _scripts[name] = redis().register_script(source)
    return script


def press(*, sale_id: int, user_id: int, request_id: str, address: str) -> Answer:
    """Run the Lua step for one press (one Redis round trip)."""
    k = keys(sale_id)
    rate_keys = [f"mh:flash:rate:ip:{address}", f"mh:flash:rate:u:{int(user_id)}"]
    answer, left = _script("press", PRESS_LUA)(
        keys=[k["meta"], k["left"], k["users"], k["reqs"], *rate_keys],
        args=[
            int(user_id),
            request_key(user_id, request_id),
            int(settings.FLASH_SALE_RATE_PER_ADDRESS),
            int(settings.FLASH_SALE_RATE_PER_ACCOUNT),
            int(settings.FLASH_SALE_RATE_WINDOW_MS),
        ],
    )
    return Answer(answer=answer.decode() if isinstance(answer, bytes) else str(answer), left=int(left))


def release(*, sale_id: int, user_id: int, request_id: str) -> bool:
    """Give the unit of an accepted press back to the gate (once per press); False if nothing was held."""
    k = keys(sale_id)
    done = _script("release", RELEASE_LUA)(
        keys=[k["left"], k["users"], k["reqs"], k["meta"]], args=[int(user_id), request_key(user_id, request_id)]
    )
    return bool(done)


def load(
    *, sale_id: int, start_ms: int, end_ms: int, limit: int, left: int, held: dict[int, int], requests: list[str]
) -> None:
    """(Re)write sale `sale_id`'s keys from the database's truth in one MULTI: the gate opens with them."""
    k = keys(sale_id)
    pipe = redis().pipeline(transaction=True)
    pipe.delete(k["meta"], k["left"], k["users"], k["reqs"])
    pipe.set(k["left"], max(0, int(left)))
    if held:
        pipe.hset(k["users"], mapping={str(u): int(n) for u, n in held.items()})
    if requests:
        pipe.hset(k["reqs"], mapping=dict.fromkeys(requests, "1"))
    pipe.hset(k["meta"], mapping={"start_ms": int(start_ms), "end_ms": int(end_ms), "limit": int(limit)})
    pipe.execute()


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
