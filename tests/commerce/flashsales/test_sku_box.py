"""The product page's sale box (templates/flashsales/sku_box.html, the `flash_sale` slot flashsales fills): shown for a
coming or running sale, gone after the end, and never a database query (the card comes from Redis); the
ticket endpoint gives the page the server clock, the ticket and a CSRF token."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.flashsales import services
from commerce.flashsales.sku_page import sku_box
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db(transaction=True)


def box(sku) -> tuple[str, int]:
    services._showcase_copy["at"] = -1e9  # a fresh read of the showcase (as after SHOWCASE_SECONDS)
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        html = sku_box(request, sku)
    return html, len(queries)


def test_the_box_costs_no_query_with_or_without_a_sale():
    plain = SKUFactory()
    html, queries = box(plain)
    assert (html.strip(), queries) == ("", 0)

    sale = make_sale(start=120, end=3600)
    html, queries = box(sale.sku)
    assert queries == 0
    assert f'data-sale-id="{sale.pk}"' in html and "¥99.00" in html and "未开始" in html
    assert reverse("flashsales:ticket", args=[sale.pk]) in html


def test_the_box_goes_when_the_sale_is_over():
    sale = make_sale(start=-120, end=-60 + 120)
    assert box(sale.sku)[0].strip()
    sale.ends_at = sale.starts_at + (sale.ends_at - sale.starts_at) / 100  # ended a moment ago
    sale.save()
    assert box(sale.sku)[0].strip() == ""


def test_the_sku_page_shows_the_box(client):
    sale = make_sale(start=120, end=3600)
    services._showcase_copy["at"] = -1e9
    response = client.get(sale.sku.get_absolute_url())
    assert response.status_code == 200 and f'data-sale-id="{sale.pk}"' in response.content.decode()


def test_the_ticket_endpoint():
    sale = make_sale(start=120, end=3600)
    anonymous = Client().get(reverse("flashsales:ticket", args=[sale.pk])).json()
    assert anonymous["ok"] and not anonymous["logged_in"] and anonymous["ticket"] == ""
    user = shopper()
    client = Client()
    client.force_login(user)
    data = client.get(reverse("flashsales:ticket", args=[sale.pk])).json()
    assert data["logged_in"] and data["csrf_token"] and data["left"] == sale.quantity
    ticket = services.read_ticket(data["ticket"], sale_id=sale.pk, session_key=client.session.session_key)
    assert ticket is not None and ticket.user_id == user.pk and ticket.address_id == user.default_address_id
    missing = client.get(reverse("flashsales:ticket", args=[99_999_999]))
    assert missing.status_code == 404 and missing.json()["code"] == "sale_not_found"
