"""Fixtures for payment tests: Alipay orders placed through the orders service, the offline sandbox driven
through its real HTTP endpoints, notifies signed with real RSA2 keys (the sandbox's, or a stranger's for
forgeries), and a live server so the SDK's server calls (trade query, refund) really reach the sandbox."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from commerce.orders import tokens
from commerce.orders.models import Order, PayMethod
from commerce.orders.services import place_order
from commerce.payments.sandbox import protocol, store
from commerce.payments.sandbox.keys import generate_key_pair
from commerce.payments.sandbox.signing import callback_content, sign_rsa2
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory, ensure_beijing_areas

NOTIFY_URL = "/payment/alipay/notify/"


@pytest.fixture(autouse=True)
def _beijing_areas(db):
    """The three areas AddressFactory points at (a transactional test's flush removes migration data)."""
    ensure_beijing_areas()


def place_alipay_order(
    user=None, *, price: str = "99.50", count: int = 2, stock: int = 10, pay_method=PayMethod.ALIPAY
):
    """An order placed through the real orders service (stock taken, timeout armed): pay = price*count + 10.

    The operator's freight rule is set to ¥10 on every order (no free-shipping threshold in reach), so the
    amounts these payment tests were written with stay round; the rule itself is tested in tests/commerce/orders.
    """
    from commerce.orders.models import FreightRule

    FreightRule.objects.update_or_create(
        pk=FreightRule.objects.values_list("pk", flat=True).first(),
        defaults={"free_threshold": Decimal("1000000.00"), "freight": Decimal("10.00")},
    )
    user = user or UserFactory()
    sku = SKUFactory(price=Decimal(price), stock=stock)
    put_in_cart(user, sku, count)
    order = place_order(
        user=user,
        address_id=AddressFactory(user=user).pk,
        pay_method=pay_method,
        token=tokens.issue_token(user_id=user.pk),
    )
    return order


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def trade_for(order: Order, **overrides) -> dict[str, str]:
    """A sandbox trade record for `order`, as the sandbox books it when the buyer pays (not stored)."""
    trade = {
        "app_id": settings.ALIPAY_SANDBOX_APP_ID,
        "out_trade_no": order.order_id,
        "trade_no": store.new_trade_no(),
        "subject": "测试商品",
        "total_amount": f"{order.pay_amount:.2f}",
        "refund_cents": "0",
        "seller_id": settings.ALIPAY_SANDBOX_SELLER_ID,
        "buyer_id": "2088102177846875",
        "buyer_logon_id": "buy***@sandbox.com",
        "trade_status": "TRADE_SUCCESS",
        "gmt_create": "2025-01-01 10:00:00",
        "gmt_payment": "2025-01-01 10:00:05",
        "notify_id": "n" * 32,
    }
    trade.update(overrides)
    return trade


def signed_notify(order: Order, *, trade: dict | None = None, private_key: bytes | None = None, **changes) -> dict:
    """The notify the sandbox would POST for `order`, with `changes` applied and then signed again (with the
    sandbox's key, or `private_key` to forge), so only the changed field can make it fail."""
    params = protocol.notify_params(trade or trade_for(order))
    params.update(changes)
    params = {k: v for k, v in params.items() if k != "sign"}
    params["sign"] = sign_rsa2(private_key or protocol.private_key(), callback_content(params))
    return params


@pytest.fixture(scope="session")
def stranger_key() -> bytes:
    return generate_key_pair()[0]


def post_notify(params: dict, client: Client | None = None) -> str:
    response = (client or Client()).post(NOTIFY_URL, data=params)
    assert response.status_code == 200
    return response.content.decode()


def pay_in_sandbox(client: Client, order: Order) -> dict[str, str]:
    """Shopper: /payment/<id>/ -> the sandbox cashier -> 付款. Returns the signed return parameters."""
    response = client.get(f"/payment/{order.order_id}/")
    assert response.status_code == 302, response.content[:500]
    cashier = client.get(response["Location"])
    assert cashier.status_code == 200, cashier.content.decode()[:2000]
    ticket = re.search(r'name="ticket" value="([^"]+)"', cashier.content.decode()).group(1)
    paid = client.post("/alipay-sandbox/pay/", {"ticket": ticket})
    assert paid.status_code == 302
    location = urlsplit(paid["Location"])
    assert location.path == "/payment/status/"
    return dict(parse_qsl(location.query, keep_blank_values=True))


@pytest.fixture
def live_gateway(live_server, settings):
    """The SDK's server calls (query, refund) go to the sandbox on a live server in this process."""
    settings.ALIPAY_SANDBOX_SITE_URL = live_server.url
    return live_server.url
