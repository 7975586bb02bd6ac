"""Throttles per client address and per user (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), counted in the
shared Redis cache so every web process sees the same numbers.

The client address is REMOTE_ADDR, as the site's own limits use it (commerce/accounts/views.py): behind a
proxy, have the proxy set it (its real-IP module); a client-sent X-Forwarded-For is never trusted.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle as BaseRateThrottle


class SimpleRateThrottle(BaseRateThrottle):
    """Reads its rate from the current settings on every request (DRF binds them once, at import)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


class AddressRateThrottle(SimpleRateThrottle):
    """Every request, per client address."""

    scope = "address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class UserRateThrottle(SimpleRateThrottle):
    """Requests carrying a valid token, per user (anonymous ones are left to the address throttle)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class LoginRateThrottle(AddressRateThrottle):
    """Password attempts per client address, on top of allauth's failed-login limits per account."""

    scope = "login"
