"""`SyncChainMiddleware`, the innermost middleware: it is sync-only on purpose.

Under ASGI (Daphne), Django runs a middleware in async mode when it can and the one inside it is async; a
MiddlewareMixin in async mode calls each process_request/process_response through its own thread hop, and a
sync-only middleware in the middle of the chain adds two more. Our views are sync. One sync-only middleware at
the inside end makes Django run the whole chain in sync mode in the request's thread: a couple of hops per
request instead of about eight (about 1 ms of CPU a page on the benchmark machine; see docs/performance.md).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


class SyncChainMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
