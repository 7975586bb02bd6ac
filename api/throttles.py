"""Throttles per client address and per user (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], API_THROTTLE_* in the
environment), counted in the shared Redis so every web process sees the same numbers.

A fixed-window counter (one INCR per request and scope) rather than DRF's default, which keeps the timestamp of
every request in the window in one cache value and rewrites it on each request (its cost grows with the rate).
The price is a burst of up to twice the rate across a window boundary.

The client address is REMOTE_ADDR, as the site's own limits use it (commerce/accounts/views.py): behind a
proxy, have the proxy set it (its real-IP module); a client-sent X-Forwarded-For is never trusted.
"""

from __future__ import annotations

import time

from django_redis import get_redis_connection
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle as BaseRateThrottle


class SimpleRateThrottle(BaseRateThrottle):
    """A fixed-window Redis counter; reads its rate from the current settings on every request."""

    wait_seconds: float = 0.0

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        pipe = get_redis_connection("default").pipeline(transaction=False)
        pipe.incr(f"{key}:{window}")
        pipe.expire(f"{key}:{window}", self.duration + 1)
        count, _ = pipe.execute()
        if count > self.num_requests:
            self.wait_seconds = (window + 1) * self.duration - now
            return False
        return True

    def wait(self) -> float:
        return max(self.wait_seconds, 1.0)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


class AddressRateThrottle(SimpleRateThrottle):
    """Every request, per client address."""

    scope = "address"

    def get_cache_key(self, request, view):
        return f"api:throttle:{self.scope}:{client_address(request)}"


class UserRateThrottle(SimpleRateThrottle):
    """Requests carrying a valid token, per user (anonymous ones are left to the address throttle)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return f"api:throttle:{self.scope}:{request.user.pk}"


class LoginRateThrottle(AddressRateThrottle):
    """Password and SMS-code attempts and registrations per client address, on top of allauth's failed-login
    limits per account."""

    scope = "login"
