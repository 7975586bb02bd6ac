"""`SyncChainMiddleware`, the innermost middleware: it is sync-only on purpose.

Under ASGI (Daphne), Django runs a middleware in async mode when it can and the one inside it is async; a
MiddlewareMixin in async mode calls each process_request/process_response through its own thread hop, and a
sync-only middleware in the middle of the chain adds two more. Our views are sync. One sync-only middleware at
the inside end makes Django run the whole chain in sync mode in the request's thread: a couple of hops per
request instead of about eight (about 1 ms of CPU a page on the benchmark machine; see docs/performance.md).

The couple left were the chain's inside end: under ASGI what this middleware is handed is Django's *async*
view dispatch (`_get_response_async`) behind `async_to_sync`, which hops to the event loop's thread to resolve
the URL, and back to the request's thread for each `process_view` (the CSRF check) and for the view. So on
its first request this middleware builds the *sync* dispatch (`BaseHandler._get_response`, what WSGI runs)
over the same view, template-response and exception middleware, and calls it directly: the URL, the CSRF
check and the view run in the request's thread with no hop at all. Should an async `process_view` ever be
installed, it keeps Django's dispatch.
"""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import AsyncToSync, SyncToAsync, iscoroutinefunction
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse


def _sync_method(method: Callable) -> Callable | None:
    """The plain function behind a middleware hook Django adapted with sync_to_async, or None if it is async."""
    method = method.func if isinstance(method, SyncToAsync) else method
    return None if iscoroutinefunction(method) else method


def sync_dispatch(get_response: Callable) -> Callable | None:
    """The sync equivalent of Django's async view dispatch wrapped in `get_response`, or None when
    `get_response` is not that (WSGI, the test client) or a hook of the dispatch has no sync form."""
    if not isinstance(get_response, AsyncToSync):
        return None
    target = getattr(get_response.awaitable, "__wrapped__", None)  # convert_exception_to_response keeps it
    handler = getattr(target, "__self__", None)
    if not isinstance(handler, BaseHandler) or target.__name__ != "_get_response_async":
        return None
    dispatch = BaseHandler()
    hooks = {}
    for name in ("_view_middleware", "_template_response_middleware", "_exception_middleware"):
        hooks[name] = [_sync_method(method) for method in getattr(handler, name) or ()]
        if None in hooks[name]:
            return None
        setattr(dispatch, name, hooks[name])
    return convert_exception_to_response(dispatch._get_response)


class SyncChainMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._dispatch: Callable | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._dispatch is None:  # built on the first request: Django fills its hook lists after __init__
            self._dispatch = sync_dispatch(self.get_response) or self.get_response
        return self._dispatch(request)
