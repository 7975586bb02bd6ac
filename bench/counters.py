"""Process-wide SQL query counter for the benchmarks (bench.settings only, never in production).

Every database connection the process opens gets an execute wrapper that adds one to a counter per statement
(`connection_created` fires for each new or pooled connection; the wrapper is added once per connection
object). `GET /__bench__/counters` answers ``{"queries": n}``.
"""

from __future__ import annotations

import threading

from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse, JsonResponse

COUNTERS_PATH = "/__bench__/counters"

_lock = threading.Lock()
_queries = 0


def count_query(execute, sql, params, many, context):
    global _queries
    with _lock:
        _queries += 1
    return execute(sql, params, many, context)


def _instrument(sender, connection, **kwargs) -> None:
    if count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(count_query)


connection_created.connect(_instrument, dispatch_uid="bench-count-queries")


class CountersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == COUNTERS_PATH:
            return JsonResponse({"queries": _queries})
        return self.get_response(request)
