"""`PooledASGIHandler`: Django's HTTP handler under Daphne, with each request served by ONE call into a bounded pool
of long-lived threads (issue 14).

Our middleware and views are sync. Django's `ASGIHandler` still pays, on every request, for what async views
need: a `ThreadSensitiveContext` (a new single-thread executor, so a new OS thread and a new database connection
object per request), `Signal.asend` for request_started/finished, a second task listening for the disconnect,
thread hops for the middleware chain and for `response.close()`, and context copies around each. That was about
a quarter of the Daphne process's CPU on a dynamic page (docs/performance.md).

This subclass keeps Django's middleware loading, `get_response`, exception pages and `ASGIRequest`, loads the
chain in *sync* mode (as WSGI runs it) and serves a request in three steps:
1. on the event loop: the body is read from `receive` (Django's `read_body`: `more_body` honoured, spooled to
   disk past FILE_UPLOAD_MAX_MEMORY_SIZE);
2. in a pool thread, in a copy of the request task's context (nothing one request sets leaks into the next in
   that thread): request_started (sync: close_old_connections), the `ASGIRequest`, `get_response`, status,
   headers and cookies collected as `ASGIHandler.send_response` does, the body, `response.close()`
   (request_finished: the thread's database connection is closed, or returned to the pool, as the settings say);
3. on the loop: `http.response.start` and one `http.response.body`.
A streaming response (WhiteNoise's files, `FileResponse`) that ends within its first part goes out the same way.
A longer one is iterated and sent by its pool thread, each part handed to the loop, so the view's thread also
closes it; it stops early when the client has gone. An async iterator is sent by Django's `send_response`.

Pool threads carry asgiref's pointer to the event loop, as `sync_to_async`'s threads do: `async_to_sync` in a
view runs its coroutine on Daphne's loop (the channel layer's connections live there), and thread-sensitive
`sync_to_async` inside it comes back to the request's thread.

The client's disconnect is not watched while the view runs. Django watches it only to cancel the request's task,
which cannot stop a sync view in its thread; Daphne drops the answer to a client that has gone.

`WEB_THREADS` (settings, default 16) bounds the threads, so the requests inside Django at once in this process;
more wait on the loop for a free thread. Each thread keeps its database connection object across requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(slots=True, frozen=True)
class Reply:
    """A finished answer, sent by the loop as one start and one body message."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


SERVER_ERROR = Reply(500, [(b"Content-Type", b"text/plain; charset=utf-8")], b"Internal Server Error")


def response_headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """The headers and Set-Cookie lines of `response`, encoded as `ASGIHandler.send_response` encodes them."""
    headers = [
        (
            bytes(name.encode("ascii") if isinstance(name, str) else name),
            bytes(value.encode("latin1") if isinstance(value, str) else value),
        )
        for name, value in response.items()
    ]
    headers += [
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip()) for cookie in response.cookies.values()
    ]
    return headers


def on_loop(loop: asyncio.AbstractEventLoop, call: Callable[..., Awaitable[Any]], *args: Any) -> Future[Any]:
    """From a pool thread: `call(*args)` awaited on `loop` (called there too, so a send or receive that is not a
    coroutine function never runs in this thread)."""

    async def run() -> Any:
        return await call(*args)

    return asyncio.run_coroutine_threadsafe(run(), loop)


class PooledASGIHandler(ASGIHandler):
    """ASGI app for `http` scopes: Django's handler, each request one call into a pool of `threads` threads."""

    def __init__(self, threads: int | None = None) -> None:
        super(ASGIHandler, self).__init__()  # not ASGIHandler's own: it loads the chain in async mode
        self.load_middleware(is_async=False)
        self.pool = ThreadPoolExecutor(max_workers=threads or settings.WEB_THREADS, thread_name_prefix="web")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(
            self.pool, contextvars.copy_context().run, self.serve, loop, scope, body_file, receive, send
        )
        if reply is not None:
            await send({"type": "http.response.start", "status": reply.status, "headers": reply.headers})
            await send({"type": "http.response.body", "body": reply.body})

    def serve(
        self, loop: asyncio.AbstractEventLoop, scope: dict[str, Any], body_file: IO[bytes], receive: Receive, send: Send
    ) -> Reply | None:
        """In a pool thread: the whole request. Returns the answer for the loop to send, or None once this thread
        has streamed it itself. Always closes the response and the body file."""
        SyncToAsync.threadlocal.main_event_loop = loop
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        response: HttpResponseBase | None = None
        try:
            try:
                set_script_prefix(get_script_prefix(scope))
                signals.request_started.send(sender=self.__class__, scope=scope)
                request, response = self.create_request(scope, body_file)
                if request is not None:
                    response = self.get_response(request)
                response._handler_class = self.__class__  # the sender of its request_finished
                if not response.streaming:
                    return Reply(response.status_code, response_headers(response), response.content)
            except Exception:  # Django turned the view's exceptions into pages; this is a signal receiver or worse
                logger.exception("HTTP request failed outside Django's response handling: %s", scope.get("path"))
                return SERVER_ERROR
            return self.stream(loop, response, receive, send)
        finally:
            if response is not None:
                response.close()
            body_file.close()

    def stream(
        self, loop: asyncio.AbstractEventLoop, response: HttpResponseBase, receive: Receive, send: Send
    ) -> Reply | None:
        """In the request's pool thread: a streaming response's answer, or None once it has been sent from here."""
        if response.is_async:
            on_loop(loop, self.send_response, response, send).result()
            return None
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # as ASGIHandler: Daphne does the network's chunking
        parts = iter(response)
        try:
            head = list(itertools.islice(parts, 2))
        except Exception:  # nothing sent yet: still a plain 500 (past this point the client sees a cut answer)
            logger.exception("HTTP streaming response failed before its first part: %s", response)
            return SERVER_ERROR
        if len(head) < 2:  # small files: one message, like any page
            return Reply(response.status_code, response_headers(response), b"".join(head))
        # After the body Daphne sends only http.disconnect: once it has come, nobody reads the rest.
        gone = on_loop(loop, receive)
        start = {"type": "http.response.start", "status": response.status_code, "headers": response_headers(response)}
        try:
            on_loop(loop, send, start).result()
            for part in itertools.chain(head, parts):
                if gone.done():
                    return None
                on_loop(loop, send, {"type": "http.response.body", "body": part, "more_body": True}).result()
            on_loop(loop, send, {"type": "http.response.body"}).result()
        finally:
            gone.cancel()
        return None
