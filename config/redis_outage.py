"""Redis down -> 503, not 500 (SPEC J, M): the shop's own error page, or a JSON error for JSON clients.

Cache, sessions (cached_db), carts, checkout tokens, captchas, the channel layer and the Dramatiq broker all
live in Redis. When it is unreachable (stopped, restarting, still loading its append-only file) the request
fails with redis-py's ConnectionError / TimeoutError / BusyLoadingError, django-redis's ConnectionInterrupted
or Dramatiq's broker ConnectionError. Those are not bugs but an outage: the answer is 503 with a clear message
(Chinese first) and a Retry-After, and nothing else changes. The shop recovers by itself: redis-py reconnects
on the next command once Redis is back.

Django turns an exception raised in any middleware layer into a 500 response right there, so an outer
middleware never sees it. The exception is seen in two places instead: `process_exception` (raised by the
view) and the `got_request_exception` signal (raised anywhere, e.g. while saving the session), which marks
the request; the middleware, first in MIDDLEWARE, then swaps the 500 for the 503.

Nothing is written half: services change Redis either before their database transaction (so a failure
aborts it) or after commit through robust on_commit hooks (logged, never raised into the request).
"""

from __future__ import annotations

import logging
import sys

import redis.exceptions
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
_MARK = "_meihao_redis_down"


def _outage_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    try:
        from django_redis.exceptions import ConnectionInterrupted

        types.append(ConnectionInterrupted)
    except ImportError:  # pragma: no cover - django-redis is pinned
        pass
    try:
        import dramatiq.errors

        types.append(getattr(dramatiq.errors, "BrokerConnectionError", None) or dramatiq.errors.ConnectionError)
    except ImportError:  # pragma: no cover - dramatiq is pinned
        pass
    return tuple(types)


OUTAGE_TYPES = _outage_types()


def is_redis_outage(error: BaseException | None) -> bool:
    """True when `error`, or an error it was raised from, says Redis cannot be reached."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OUTAGE_TYPES):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def wants_json(request: HttpRequest) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or request.path.startswith("/api/")
    )


def outage_response(request: HttpRequest) -> HttpResponse:
    message = _("服务暂时不可用，请稍后再试")
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"ok": False, "code": "service_unavailable", "message": message}, status=503
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _mark_request(sender, request=None, **kwargs) -> None:
    if request is not None and is_redis_outage(sys.exc_info()[1]):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_request, dispatch_uid="meihao-redis-outage")


class RedisOutageMiddleware:
    """First in MIDDLEWARE: answers 503 (page or JSON) for any request that failed because Redis is down."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code >= 500:
            logger.warning("Redis unreachable: %s %s answered 503", request.method, request.path)
            return outage_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_redis_outage(exception):
            setattr(request, _MARK, True)
            logger.warning("Redis unreachable: %s %s answered 503 (%r)", request.method, request.path, exception)
            return outage_response(request)
        return None
