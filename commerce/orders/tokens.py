"""One-time checkout tokens in Redis (SPEC E2): a double click or a retried request makes one order.

Each checkout page gets a fresh token. Its Redis key (per user and token) walks through

    "new"  --claim-->  "busy"  --placed (after commit)-->  "done:<order_id>"
                         └--------failed (nothing written)-->  "new"   (the shopper may fix and resubmit)

`claim` is a single Lua script, so of two simultaneous submits exactly one gets to place the order; the
other sees "busy" and waits for "done:<order_id>" to answer with the same order. The database keeps a
unique (user, token) on the order as a second line of defence should Redis lose the key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

_CLAIM_LUA = """
local value = redis.call('GET', KEYS[1])
if value == 'new' then
  redis.call('SET', KEYS[1], 'busy', 'KEEPTTL')
  return 'claimed'
end
return value
"""

NEW, BUSY, DONE_PREFIX = "new", "busy", "done:"


def _key(user_id: int, token: str) -> str:
    return f"mh:orders:token:{int(user_id)}:{token}"


def redis_client():
    """The Redis connection the tokens live in (shared with the cart, so one pipeline can serve both)."""
    return get_redis_connection("default")


def _ttl() -> int:
    return int(settings.ORDER_TOKEN_TTL_SECONDS)


def is_well_formed(token: object) -> bool:
    return (
        isinstance(token, str)
        and 16 <= len(token) <= 64
        and token.isascii()
        and token.replace("-", "").replace("_", "").isalnum()
    )


def issue_token(*, user_id: int) -> str:
    """A fresh one-time token for one checkout page of `user_id`."""
    return queue_issue_token(redis_client(), user_id=user_id)


def queue_issue_token(pipe, *, user_id: int) -> str:
    """`issue_token` on a Redis client or as one command of a pipeline (the token is valid once it runs)."""
    token = secrets.token_urlsafe(24)
    pipe.set(_key(user_id, token), NEW, ex=_ttl())
    return token


@dataclass(frozen=True)
class Claim:
    """What claiming a token found: `claimed` (go ahead), or an order already placed with it, or neither."""

    claimed: bool = False
    busy: bool = False
    order_id: str | None = None


def claim_token(*, user_id: int, token: str) -> Claim:
    """Atomically take the token for placing an order. Unknown/expired tokens give Claim() (all false)."""
    if not is_well_formed(token):
        return Claim()
    return parse_claim(redis_client().eval(_CLAIM_LUA, 1, _key(user_id, token)))


def queue_claim(pipe, *, user_id: int, token: str) -> None:
    """`claim_token` as one command of the caller's Redis pipeline (the caller checked `is_well_formed`);
    read its result with `parse_claim`. Placement sends it together with the cart read: one round trip."""
    pipe.eval(_CLAIM_LUA, 1, _key(user_id, token))


def parse_claim(value: object) -> Claim:
    if isinstance(value, bytes):
        value = value.decode()
    if value == "claimed":
        return Claim(claimed=True)
    if value == BUSY:
        return Claim(busy=True)
    if isinstance(value, str) and value.startswith(DONE_PREFIX):
        return Claim(order_id=value[len(DONE_PREFIX) :])
    return Claim()


def mark_done(*, user_id: int, token: str, order_id: str) -> None:
    """Remember which order the token made, so a repeated submit answers with it."""
    queue_mark_done(redis_client(), user_id=user_id, token=token, order_id=order_id)


def queue_mark_done(pipe, *, user_id: int, token: str, order_id: str) -> None:
    """`mark_done` on a Redis client or as one command of a pipeline."""
    pipe.set(_key(user_id, token), f"{DONE_PREFIX}{order_id}", ex=_ttl())


def release(*, user_id: int, token: str) -> None:
    """Placement failed and wrote nothing: the token may be used again (only if still ours, i.e. busy)."""
    key = _key(user_id, token)
    redis_client().eval(
        "if redis.call('GET', KEYS[1]) == 'busy' then redis.call('SET', KEYS[1], 'new', 'KEEPTTL') end return 1",
        1,
        key,
    )
