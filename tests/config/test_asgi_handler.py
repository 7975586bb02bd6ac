"""The pooled ASGI handler (config/asgi_handler.py, issue 14) answers as Django's ASGIHandler does, from a few
long-lived threads: driven here as Daphne drives it, one ASGI call per request (asgiref's ApplicationCommunicator),
with this module as the URL map (its views exist only for these tests)."""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import request_finished
from django.db import connection, connections
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt

from config.asgi_handler import PooledASGIHandler
from config.settings.base import BASE_DIR

pytestmark = pytest.mark.django_db

GROUP = "asgi-handler-test"
leaky: contextvars.ContextVar[str] = contextvars.ContextVar("leaky", default="unset")
streamed: dict[str, Any] = {}
used: list[tuple[Any, Any]] = []  # (Django's connection object, its DB-API connection) per /database/ request


def _thread(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ident": threading.get_ident(), "name": threading.current_thread().name})


@csrf_exempt
def _form(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"form": request.POST.dict()})


def _cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(request.COOKIES.get("flavour", "none"))
    response.set_cookie("seen", "1")
    response.set_cookie("lang", "en", httponly=True)
    return response


def _meta(request: HttpRequest) -> JsonResponse:
    plain = {key: value for key, value in request.META.items() if isinstance(value, str | int | bool)}
    return JsonResponse({"meta": plain, "reverse": reverse("meta"), "request_id": request.request_id})


def _set_context(request: HttpRequest) -> HttpResponse:
    leaky.set("set by an earlier request")
    return HttpResponse("set")


def _read_context(request: HttpRequest) -> HttpResponse:
    return HttpResponse(leaky.get())


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a view that fails")


def _stream(request: HttpRequest) -> StreamingHttpResponse:
    parts = int(request.GET.get("parts", "5"))
    streamed.update(view=threading.get_ident(), threads=set(), produced=0, closed=False)

    def generate() -> Iterator[bytes]:
        try:
            for number in range(parts):
                streamed["threads"].add(threading.get_ident())
                streamed["produced"] += 1
                yield f"part {number};".encode()
        finally:
            streamed["closed"] = True

    return StreamingHttpResponse(generate(), content_type="text/plain")


def _big_file(request: HttpRequest) -> FileResponse:
    response = FileResponse(open(request.GET["path"], "rb"))  # noqa: SIM115 - the response closes it
    streamed["file"] = response.file_to_stream
    return response


def _publish(request: HttpRequest) -> JsonResponse:
    async def publish_and_look() -> tuple[int, int]:
        await get_channel_layer().group_send(GROUP, {"type": "test.message", "text": "from a sync view"})
        return id(asyncio.get_running_loop()), await sync_to_async(threading.get_ident)()

    loop, sensitive = async_to_sync(publish_and_look)()
    return JsonResponse({"loop": loop, "sensitive": sensitive, "view": threading.get_ident()})


def _database(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    used.append((connections["default"], connection.connection))  # held: ids of freed objects come back
    return HttpResponse("ok")


urlpatterns = [
    path("thread/", _thread),
    path("form/", _form),
    path("cookies/", _cookies),
    path("meta/", _meta, name="meta"),
    path("context/set/", _set_context),
    path("context/read/", _read_context),
    path("boom/", _boom),
    path("stream/", _stream),
    path("big-file/", _big_file),
    path("publish/", _publish),
    path("database/", _database),
]


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__


def scope_for(path: str, *, method: str = "GET", query: bytes = b"", headers=(), **extra) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        **extra,
    }


async def answer(handler, scope: dict[str, Any], bodies=(b"",)) -> tuple[int, list, bytes, int]:
    """Status, headers, body and the number of body messages of one request whose body comes in `bodies`."""
    communicator = ApplicationCommunicator(handler, scope)
    for number, body in enumerate(bodies, 1):
        await communicator.send_input({"type": "http.request", "body": body, "more_body": number < len(bodies)})
    start = await communicator.receive_output(10)
    assert start["type"] == "http.response.start"
    body, messages = b"", 0
    while True:
        message = await communicator.receive_output(10)
        body, messages = body + message.get("body", b""), messages + 1
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], start["headers"], body, messages


def get(handler, path: str, **kwargs) -> tuple[int, list, bytes, int]:
    return async_to_sync(answer)(handler, scope_for(path, **kwargs))


@pytest.fixture(scope="module")
def handler() -> PooledASGIHandler:
    return PooledASGIHandler(threads=2)


def test_requests_are_answered_by_a_few_long_lived_threads_not_one_new_thread_each(handler):
    async def many() -> list[dict]:
        one_by_one = [await answer(handler, scope_for("/thread/")) for _ in range(10)]
        at_once = await asyncio.gather(*(answer(handler, scope_for("/thread/")) for _ in range(10)))
        return [json.loads(body) for _status, _headers, body, _messages in [*one_by_one, *at_once]]

    served = async_to_sync(many)()

    assert len({thread["ident"] for thread in served}) <= 2
    assert {thread["name"].split("_")[0] for thread in served} == {"web"}
    assert threading.get_ident() not in {thread["ident"] for thread in served}


def test_a_post_body_in_several_messages_reaches_the_view(handler):
    scope = scope_for("/form/", method="POST", headers=[(b"content-type", b"application/x-www-form-urlencoded")])
    status, _headers, body, _messages = async_to_sync(answer)(handler, scope, [b"colour=red", b"&size=4", b"2"])

    assert status == 200
    assert json.loads(body) == {"form": {"colour": "red", "size": "42"}}


def test_cookies_reach_the_view_and_each_set_cookie_goes_out(handler):
    status, headers, body, _messages = get(handler, "/cookies/", headers=[(b"cookie", b"flavour=plum")])

    assert (status, body) == (200, b"plum")
    set_cookies = sorted(value for name, value in headers if name == b"Set-Cookie")
    assert len(set_cookies) == 2
    assert set_cookies[0].startswith(b"lang=en;") and b"HttpOnly" in set_cookies[0]
    assert set_cookies[1].startswith(b"seen=1;")


def test_request_meta_script_prefix_client_and_request_id_are_djangos(handler):
    scope = scope_for(
        "/shop/meta/",
        root_path="/shop",
        query=b"a=1",
        headers=[(b"x-request-id", b"abc-123"), (b"accept", b"text/html")],
        client=("203.0.113.9", 4321),  # what Daphne's --proxy-headers put there
    )
    status, headers, body, _messages = async_to_sync(answer)(handler, scope)
    seen = json.loads(body)

    assert status == 200
    expected = {
        key: value
        for key, value in ASGIRequest(scope, io.BytesIO()).META.items()
        if isinstance(value, str | int | bool)
    }
    assert {key: seen["meta"][key] for key in expected} == expected
    assert seen["meta"]["REMOTE_ADDR"] == "203.0.113.9"
    assert seen["reverse"] == "/shop/meta/"
    assert seen["request_id"] == "abc-123"
    assert (b"X-Request-ID", b"abc-123") in headers


def test_nothing_a_request_sets_in_its_context_reaches_the_next_request_in_its_thread():
    handler = PooledASGIHandler(threads=1)

    assert get(handler, "/context/set/")[2] == b"set"
    assert get(handler, "/context/read/")[2] == b"unset"


def test_a_static_file_is_served_by_whitenoise(handler):
    status, headers, body, _messages = get(handler, "/static/css/shop.css")

    assert status == 200
    assert body == (BASE_DIR / "site" / "static" / "css" / "shop.css").read_bytes()
    assert dict(headers)[b"Content-Type"].startswith(b"text/css")


def test_a_file_larger_than_a_chunk_is_streamed_whole_and_closed(handler, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 1024)  # 256 KB: four of Django's 64 KB chunks

    status, _headers, body, messages = get(handler, "/big-file/", query=f"path={big}".encode())

    assert status == 200
    assert body == big.read_bytes()
    assert messages > 1
    assert streamed["file"].closed


def test_a_streaming_response_is_sent_part_by_part_from_the_views_thread_and_closed(handler):
    finished_in: list[int] = []

    def record(**_kwargs) -> None:
        finished_in.append(threading.get_ident())

    request_finished.connect(record)
    try:
        status, _headers, body, messages = get(handler, "/stream/")
    finally:
        request_finished.disconnect(record)

    assert status == 200
    assert body == b"part 0;part 1;part 2;part 3;part 4;"
    assert messages == 6  # five parts and the closing message
    assert streamed["threads"] == {streamed["view"]}
    assert streamed["closed"]
    assert finished_in == [streamed["view"]]


def test_a_stream_stops_once_the_client_has_gone(handler):
    async def request_then_leave() -> None:
        communicator = ApplicationCommunicator(handler, scope_for("/stream/", query=b"parts=100000"))
        await communicator.send_input({"type": "http.request", "body": b""})
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(10)

    async_to_sync(request_then_leave)()

    assert streamed["closed"]
    assert streamed["produced"] < 1000


def test_a_client_gone_before_its_body_arrived_gets_nothing(handler):
    async def leave_early() -> bool:
        communicator = ApplicationCommunicator(handler, scope_for("/form/", method="POST"))
        await communicator.send_input({"type": "http.request", "body": b"a=", "more_body": True})
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(10)
        return await communicator.receive_nothing()

    assert async_to_sync(leave_early)()


def test_an_exception_in_a_view_answers_the_500_page(handler):
    status, _headers, body, _messages = get(handler, "/boom/")

    assert status == 500
    assert "服务器开小差了" in body.decode()


def test_bad_requests_answer_400(handler, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    assert get(handler, "/thread/", headers=[(b"host", b"evil.example")])[0] == 400

    form = [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"202")]
    status, _headers, _body, _messages = async_to_sync(answer)(
        handler, scope_for("/form/", method="POST", headers=form), [b"a=" + b"x" * 200]
    )
    assert status == 400


def test_async_to_sync_in_a_view_runs_on_the_servers_loop_and_comes_back_to_the_views_thread(handler):
    async def publish_through_a_view() -> tuple[dict, int, dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(GROUP, channel)
        try:
            status, _headers, body, _messages = await answer(handler, scope_for("/publish/"))
            assert status == 200
            message = await asyncio.wait_for(layer.receive(channel), 10)
        finally:
            await layer.group_discard(GROUP, channel)
        return json.loads(body), id(asyncio.get_running_loop()), message

    seen, loop, message = async_to_sync(publish_through_a_view)()

    assert message["text"] == "from a sync view"
    assert seen["loop"] == loop  # not a new event loop in a new thread per call
    assert seen["sensitive"] == seen["view"]  # thread-sensitive sync_to_async inside it: the view's thread


def test_each_thread_keeps_its_connection_as_conn_max_age_says():
    handler = PooledASGIHandler(threads=1)
    settings_dict = connections["default"].settings_dict  # shared by every thread's connection object
    conn_max_age = settings_dict["CONN_MAX_AGE"]
    used.clear()
    try:
        settings_dict["CONN_MAX_AGE"] = 0
        get(handler, "/database/")
        get(handler, "/database/")
        settings_dict["CONN_MAX_AGE"] = 60
        get(handler, "/database/")
        get(handler, "/database/")
    finally:
        settings_dict["CONN_MAX_AGE"] = conn_max_age
        handler.pool.submit(connections.close_all).result()

    (wrapper, first), (_, second), (_, third), (_, fourth) = used
    assert all(each is wrapper for each, _dbapi in used)  # one connection object per thread, not per request
    assert first is not second  # CONN_MAX_AGE=0: closed at each request's end
    assert third is fourth  # CONN_MAX_AGE=60: the same connection serves the thread's next request


def test_the_web_process_serves_http_with_the_pooled_handler():
    from config.asgi import application

    assert isinstance(application.application_mapping["http"].app, PooledASGIHandler)
