"""The raw Redis connection behind the cache, for the accounts keys that need Redis itself (GETDEL,
TTL, INCR, Lua): captcha texts, SMS codes, resend windows and daily counters. Keys start with "mh:"."""

from __future__ import annotations

from django_redis import get_redis_connection
from redis import Redis


def redis_client() -> Redis:
    return get_redis_connection("default")
