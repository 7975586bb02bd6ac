"""Helpers of the orders admin tests (the `clerk` and `editor` fixtures are in this folder's conftest)."""

from __future__ import annotations

import json

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import ensure_staff_groups
from commerce.orders.models import Order, PayMethod
from tests.commerce.payments.conftest import logged_in, place_alipay_order
from tests.factories import UserFactory, ensure_wagtail_tree

SHIPMENT = {"carrier": "sf", "tracking_no": "SF1234567890"}


def place_cod_order(user=None, **kwargs) -> Order:
    return place_alipay_order(user, pay_method=PayMethod.CASH, **kwargs)


def staff_client(group: str, username: str) -> Client:
    ensure_wagtail_tree()  # group page permissions hang on the root page, gone after a transactional flush
    groups = ensure_staff_groups()
    user = UserFactory(username=username)
    user.groups.add(groups[group])
    return logged_in(user)


def listed_order_ids(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    soup = WagtailTestUtils.get_soup(response.content)
    return [row.select("td")[0].select_one("a").get_text(strip=True) for row in soup.select("table.listing tbody tr")]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def sidebar_text(client: Client) -> str:
    soup = WagtailTestUtils.get_soup(client.get(reverse("wagtailadmin_home")).content)
    return json.dumps(json.loads(soup.select_one("#wagtail-sidebar-props").string), ensure_ascii=False)
