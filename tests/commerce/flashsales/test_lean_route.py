"""The lean 抢购 route (commerce/flashsales/asgi.py) through the real ASGI application, Redis and database:
it answers from the gate alone, checks CSRF, origin, ticket and session like Django would, hands every press
it cannot decide to Django's view, and the drainer turns its queue into exactly one order per accepted press."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.test import Client, override_settings

from commerce.flashsales import gate, services
from commerce.flashsales.models import EntryStatus, FlashEntry, FlashSale
from commerce.orders.models import Order
from config.asgi import application
from tests.commerce.flashsales.conftest import make_sale, shopper

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _login(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def _setup(quantity=2, start=-60, n=3):
    sale = make_sale(quantity=quantity, start=start, end=start + 3600)
    services.start_sale(sale.pk)
    people = []
    for _ in range(n):
        user = shopper()
        session = _login(user)
        people.append((user, session, services.issue_ticket(sale_id=sale.pk, user=user, session_key=session)))
    return sale, people


async def press(sale_id, session, ticket, *, request_id=None, csrf=None, origin="http://testserver", extra=()):
    secret = secrets.token_hex(16)
    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={secret}".encode()),
        (b"x-csrftoken", (csrf if csrf is not None else secret).encode()),
        *extra,
    ]
    if origin:
        headers.append((b"origin", origin.encode()))
    body = f"request_id={request_id or secrets.token_hex(6)}&ticket={ticket}".encode()
    communicator = HttpCommunicator(application, "POST", f"/flash/{sale_id}/press/", body=body, headers=headers)
    response = await communicator.get_response(timeout=10)
    header_map = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response["status"], header_map, response["body"]


async def test_accepted_presses_are_answered_from_redis_and_drained_into_one_order_each():
    sale, people = await sync_to_async(_setup)(quantity=2, n=3)
    (u1, s1, t1), (u2, s2, t2), (u3, s3, t3) = people

    status, headers, body = await press(sale.pk, s1, t1, request_id="lean-req-1")
    assert status == 202 and headers["content-type"] == "application/json"
    assert b'"status": "queued"' in body and b'"left": 1' in body
    # Nothing in the database yet: the press waits on the gate's queue.
    assert await FlashEntry.objects.filter(sale_id=sale.pk).acount() == 0
    assert await sync_to_async(gate.queued)(sale.pk) == 1

    repeat = await press(sale.pk, s1, t1, request_id="lean-req-1")
    assert repeat[0] == 200 and b'"duplicate": true' in repeat[2]
    limit = await press(sale.pk, s1, t1)
    assert limit[0] == 409 and b'"code": "limit"' in limit[2]
    assert (await press(sale.pk, s2, t2))[0] == 202
    sold_out = await press(sale.pk, s3, t3)
    assert sold_out[0] == 409 and "已抢光".encode() in sold_out[2]

    assert await sync_to_async(services.drain_queue)(sale.pk, max_seconds=5) == 2
    assert await sync_to_async(gate.queued)(sale.pk) == 0
    entries = [e async for e in FlashEntry.objects.filter(sale_id=sale.pk).order_by("user_id")]
    assert [(e.user_id, e.status) for e in entries] == [(u1.pk, EntryStatus.PLACED), (u2.pk, EntryStatus.PLACED)]
    assert await Order.objects.filter(user_id__in=[u1.pk, u2.pk]).acount() == 2
    assert (await FlashSale.objects.aget(pk=sale.pk)).sold == 2
    # Draining again (a kick that came late, a killed drainer's batch taken over) changes nothing.
    assert await sync_to_async(services.drain_queue)(sale.pk, max_seconds=1) == 0
    assert await Order.objects.filter(user_id__in=[u1.pk, u2.pk]).acount() == 2


@pytest.mark.usefixtures("dramatiq_worker")
async def test_the_drain_starts_after_the_crowd_its_first_accepted_press_came_with():
    sale, [(user, session, ticket)] = await sync_to_async(_setup)(quantity=1, n=1)
    with override_settings(FLASH_DRAIN_DELAY_MS=4000):
        status, _headers, _body = await press(sale.pk, session, ticket)
        accepted_at = time.monotonic()
        assert status == 202
        await asyncio.sleep(1.5)
        # The worker has been asked (the press took the kick), but not yet for now: the press waits on the queue.
        assert await FlashEntry.objects.filter(sale_id=sale.pk).acount() == 0
        assert await sync_to_async(gate.queued)(sale.pk) == 1
        while not await Order.objects.filter(user_id=user.pk).aexists():
            assert time.monotonic() - accepted_at < 30, "the delayed drain never placed the order"
            await asyncio.sleep(0.1)
    assert time.monotonic() - accepted_at >= 4.0
    assert (await FlashEntry.objects.aget(sale_id=sale.pk)).status == EntryStatus.PLACED


async def test_a_press_from_a_foreign_origin_or_without_the_csrf_token_never_reaches_the_gate():
    sale, [(user, session, ticket)] = await sync_to_async(_setup)(n=1)
    foreign = await press(sale.pk, session, ticket, origin="https://evil.example")
    assert foreign[0] == 403  # Django's CSRF page: the lean route handed it over
    wrong = await press(sale.pk, session, ticket, csrf="x" * 32)
    assert wrong[0] == 403
    assert await sync_to_async(gate.left)(sale.pk) == 2


async def test_a_ticket_of_another_session_or_sale_or_a_logged_out_session_goes_to_django():
    sale, [(u1, s1, t1), (u2, s2, t2)] = await sync_to_async(_setup)(n=2)
    other_sale = await sync_to_async(make_sale)()
    other_ticket = await sync_to_async(services.issue_ticket)(sale_id=other_sale.pk, user=u1, session_key=s1)
    # A stolen ticket is no good with another session: Django's view answers as that session's own shopper.
    status, _headers, body = await press(sale.pk, s2, t1, request_id="steal-req-1")
    assert status == 202
    entry = await FlashEntry.objects.aget(request_id="steal-req-1")
    assert entry.user_id == u2.pk  # written by Django's view (the slow path writes the entry at once)
    status, _headers, body = await press(sale.pk, s1, other_ticket, request_id="other-req-1")
    assert status == 202 and await FlashEntry.objects.filter(request_id="other-req-1", user_id=u1.pk).aexists()

    # Logged out: the session is gone from the cache, the Lua step says so, Django answers 401.
    await sync_to_async(lambda: Client(HTTP_COOKIE=f"sessionid={s1}").post("/accounts/logout/"))()
    logged_out = await press(sale.pk, s1, t1)
    assert logged_out[0] == 401 and b"login_required" in logged_out[2]


async def test_rate_limits_and_the_window_hold_on_the_lean_route():
    sale, [(user, session, ticket)] = await sync_to_async(_setup)(quantity=1, start=3600, n=1)
    early = await press(sale.pk, session, ticket)
    assert early[0] == 409 and b'"code": "not_started"' in early[2]
    answers = [(await press(sale.pk, session, ticket))[0] for _ in range(settings.FLASH_SALE_RATE_PER_ACCOUNT + 1)]
    assert answers[-1] == 429
    assert await sync_to_async(gate.left)(sale.pk) == 1


async def test_once_the_gate_says_sold_out_presses_are_refused_without_redis_until_a_unit_comes_back():
    sale, [(u1, s1, t1), (u2, s2, t2), (u3, s3, t3)] = await sync_to_async(_setup)(quantity=1, n=3)
    # The accepted press took the last unit (left 0): the process remembers the sale as sold out from there.
    assert (await press(sale.pk, s1, t1, request_id="memo-req-1"))[0] == 202
    redis = gate.redis()
    told = await press(sale.pk, s2, t2)
    assert told[0] == 409 and told[1]["x-flash-route"] == "lean" and b'"code": "sold_out"' in told[2]
    assert redis.exists(f"mh:flash:rate:u:{u2.pk}") == 0  # not asked: refused by the process itself

    # Refused at once, whoever asks: not even a foreign origin reaches Django or the gate (no rate counter).
    counters = redis.exists(f"mh:flash:rate:u:{u3.pk}")
    foreign = await press(sale.pk, s3, t3, origin="https://evil.example")
    assert foreign[0] == 409 and foreign[1]["x-flash-route"] == "lean" and b'"code": "sold_out"' in foreign[2]
    english = await press(sale.pk, s3, t3, extra=[(b"cookie", b"django_language=en")])
    assert english[0] == 409 and english[1]["content-language"] == "en" and b"sold out" in english[2].lower()
    assert redis.exists(f"mh:flash:rate:u:{u3.pk}") == counters == 0
    assert not await FlashEntry.objects.filter(user_id=u3.pk).aexists()

    # A unit that comes back through this process ends it: the next press is the gate's again (and takes it).
    # The memo lasts FLASH_SOLD_OUT_MEMO_MS at most: afterwards a foreign origin is Django's to refuse again.
    assert await sync_to_async(gate.release)(sale_id=sale.pk, user_id=u1.pk, request_id="memo-req-1")
    with override_settings(FLASH_SOLD_OUT_MEMO_MS=50):
        assert (await press(sale.pk, s3, t3))[0] == 202
        assert b'"code": "sold_out"' in (await press(sale.pk, s2, t2))[2]
        assert (await press(sale.pk, s2, t2, origin="https://evil.example"))[1]["x-flash-route"] == "lean"
        await asyncio.sleep(0.1)
        assert (await press(sale.pk, s2, t2, origin="https://evil.example"))[0] == 403


async def test_bad_input_is_a_clear_message_and_changes_nothing():
    sale, [(user, session, ticket)] = await sync_to_async(_setup)(n=1)
    status, _headers, body = await press(sale.pk, session, ticket, request_id="bad")
    assert status == 400 and "请求无效".encode() in body
    english = await press(sale.pk, session, ticket, request_id="bad", extra=[(b"cookie", b"django_language=en")])
    assert english[0] == 400 and b"invalid" in english[2].lower()
    assert await sync_to_async(gate.left)(sale.pk) == 2
