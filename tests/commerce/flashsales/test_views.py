"""The sale page and the 抢购 endpoint through Django's test client: login, CSRF, JSON answers, rate limits
by the client address helper, and nothing a client sends yields a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from commerce.flashsales import services
from commerce.flashsales.models import FlashEntry
from tests.commerce.flashsales.conftest import make_sale, shopper

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale():
    sale = make_sale(quantity=2, limit=1)
    assert services.start_sale(sale.pk)
    return sale


def logged_in(user, *, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def press_url(sale) -> str:
    return reverse("flashsales:press", args=[sale.pk])


def test_the_sale_page_shows_the_sale_and_the_server_clock(client, sale):
    response = client.get(reverse("flashsales:sale", args=[sale.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert sale.sku.name in body and "¥99.00" in body and "data-server-now" in body
    assert client.get(reverse("flashsales:sale", args=[99_999_999_999])).status_code == 404
    assert client.get("/flash/99999999999999999999999/").status_code == 404


def test_pressing_answers_json_at_once(sale):
    client = logged_in(shopper())
    response = client.post(press_url(sale), {"request_id": "req-0000001"})
    assert response.status_code == 202
    assert response.json() == {
        "ok": True,
        "status": "queued",
        "label": "排队中",
        "request_id": "req-0000001",
        "duplicate": False,
        "left": 1,
    }
    again = client.post(press_url(sale), {"request_id": "req-0000001"})
    assert again.json()["duplicate"] is True and FlashEntry.objects.count() == 1
    limit = client.post(press_url(sale), {"request_id": "req-0000002"})
    assert (limit.status_code, limit.json()["code"]) == (409, "limit")
    logged_in(shopper()).post(press_url(sale), {"request_id": "req-0000003"})
    sold_out = logged_in(shopper()).post(press_url(sale), {"request_id": "req-0000004"})
    assert (sold_out.status_code, sold_out.json()["code"], sold_out.json()["message"]) == (409, "sold_out", "已抢光")


def test_anonymous_presses_are_refused_with_json(client, sale):
    response = client.post(press_url(sale), {"request_id": "req-0000001"})
    assert response.status_code == 401 and response.json()["code"] == "login_required"


def test_csrf_is_required(sale):
    client = logged_in(shopper(), csrf=True)
    assert client.post(press_url(sale), {"request_id": "req-0000001"}).status_code == 403
    assert not FlashEntry.objects.exists()


@pytest.mark.parametrize("request_id", ["", "short", "x" * 200, "drop table;--"])
def test_bad_request_ids_are_a_400(sale, request_id):
    response = logged_in(shopper()).post(press_url(sale), {"request_id": request_id})
    assert response.status_code == 400 and response.json()["code"] == "bad_request_id"


def test_get_and_unknown_sales_never_500(sale):
    client = logged_in(shopper())
    assert client.get(press_url(sale)).status_code == 405
    response = client.post("/flash/99999999999999999999999/press/", {"request_id": "req-0000001"})
    assert response.status_code == 404


def test_per_address_limit_reads_the_client_address_helper(settings, sale):
    settings.FLASH_SALE_RATE_PER_ADDRESS = 2
    settings.FLASH_SALE_RATE_WINDOW_MS = 60_000
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    answers = []
    for n in range(3):
        client = logged_in(shopper())
        response = client.post(
            press_url(sale),
            {"request_id": f"req-000000{n}"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            REMOTE_ADDR="127.0.0.1",
        )
        answers.append(response.json().get("code", "ok"))
    assert answers == ["ok", "ok", "rate_limited"]
    other = logged_in(shopper()).post(
        press_url(sale), {"request_id": "req-0000009"}, HTTP_X_FORWARDED_FOR="203.0.113.8", REMOTE_ADDR="127.0.0.1"
    )
    assert other.json().get("code") != "rate_limited"
