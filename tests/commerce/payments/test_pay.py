"""Pay (SPEC F1) and the offline sandbox's cashier (F7), driven through their real HTTP endpoints: the SDK
signs the page-pay request, the sandbox verifies it with the shop's app public key, and what the sandbox
sends back verifies with the SDK."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from commerce.orders.models import OrderStatus, PayMethod
from commerce.payments import gateway
from commerce.payments.sandbox import store
from tests.commerce.payments.conftest import logged_in, place_alipay_order, post_notify, signed_notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pay_sends_the_owner_to_the_cashier_with_a_request_signed_for_this_order():
    order = place_alipay_order(price="99.50", count=2)
    response = logged_in(order.user).get(f"/payment/{order.order_id}/")

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/alipay-sandbox/gateway.do")
    params = dict(parse_qsl(url.query))
    assert params["method"] == "alipay.trade.page.pay" and params["sign_type"] == "RSA2" and params["sign"]
    assert params["return_url"] == "http://testserver/payment/status/"
    assert params["notify_url"] == "http://testserver/payment/alipay/notify/"
    biz = json.loads(params["biz_content"])
    assert biz["out_trade_no"] == order.order_id
    assert biz["total_amount"] == "209.00"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["timeout_express"].endswith("m")


def test_the_sandbox_cashier_shows_subject_and_amount_and_paying_returns_alipay_signed_parameters():
    order = place_alipay_order(price="99.50", count=2)
    client = logged_in(order.user)
    cashier = client.get(client.get(f"/payment/{order.order_id}/")["Location"])
    page = cashier.content.decode()
    assert "支付宝沙箱" in page and "209.00" in page and order.lines.get().sku_name in page and "付款" in page

    ticket = re.search(r'name="ticket" value="([^"]+)"', page).group(1)
    paid = client.post("/alipay-sandbox/pay/", {"ticket": ticket})
    params = dict(parse_qsl(urlsplit(paid["Location"]).query))

    assert params["method"] == "alipay.trade.page.pay.return"
    assert params["out_trade_no"] == order.order_id and params["total_amount"] == "209.00"
    assert gateway.verify_signature(params)  # the SDK, with the shop's Alipay public key
    trade = store.get_trade(params["app_id"], order.order_id)
    assert trade["trade_no"] == params["trade_no"] and trade["trade_status"] == "TRADE_SUCCESS"
    # Paying twice books nothing new: the cashier says it is paid.
    again = client.get(client.get(f"/payment/{order.order_id}/")["Location"])
    assert again.status_code == 400 and "ACQ.TRADE_HAS_SUCCESS" in again.content.decode()


def test_the_sandbox_refuses_a_request_edited_after_signing():
    order = place_alipay_order()
    location = logged_in(order.user).get(f"/payment/{order.order_id}/")["Location"]
    tampered = location.replace("209.00", "0.01")
    assert tampered != location

    response = Client().get(tampered)

    assert response.status_code == 400
    assert "isv.invalid-signature" in response.content.decode()


def test_the_sandbox_refuses_a_request_signed_by_another_app_key(settings, tmp_path):
    from commerce.payments.sandbox.keys import generate_key_pair

    order = place_alipay_order()
    private, _ = generate_key_pair()
    settings.ALIPAY_APP_PRIVATE_KEY_FILE = ""
    settings.ALIPAY_APP_PRIVATE_KEY = private.decode()

    response = Client().get(logged_in(order.user).get(f"/payment/{order.order_id}/")["Location"])

    assert response.status_code == 400 and "验签出错" in response.content.decode()


def test_a_sandbox_pay_ticket_cannot_be_forged():
    response = Client().post("/alipay-sandbox/pay/", {"ticket": "eyJvdXRfdHJhZGVfbm8iOiIxIn0:forged"})
    assert response.status_code == 400
    assert not store.reset()


def test_paying_someone_elses_or_an_unknown_order_is_404():
    order = place_alipay_order()
    stranger = logged_in(UserFactory())
    assert stranger.get(f"/payment/{order.order_id}/").status_code == 404
    assert stranger.get("/payment/20990101000000000000001000000/").status_code == 404
    assert stranger.get("/payment/abc/").status_code == 404


def test_an_anonymous_shopper_is_sent_to_log_in():
    order = place_alipay_order()
    response = Client().get(f"/payment/{order.order_id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_paid_order_is_not_sent_to_the_cashier_again():
    order = place_alipay_order()
    assert post_notify(signed_notify(order)) == "success"
    client = logged_in(order.user)

    response = client.get(f"/payment/{order.order_id}/", follow=True)

    assert response.redirect_chain[0][0] == f"/orders/{order.order_id}/"
    assert "订单待发货，无需支付" in response.content.decode()


def test_a_cash_on_delivery_order_is_not_sent_to_the_cashier():
    order = place_alipay_order(pay_method=PayMethod.CASH)
    assert order.status == OrderStatus.TO_SHIP

    response = logged_in(order.user).get(f"/payment/{order.order_id}/", follow=True)

    assert "货到付款，无需在线支付" in response.content.decode()


def test_the_order_page_links_to_pay_and_loads_the_live_status_script():
    order = place_alipay_order()
    page = logged_in(order.user).get(f"/orders/{order.order_id}/").content.decode()
    assert f'href="/payment/{order.order_id}/"' in page
    assert "js/order-status.js" in page
    assert 'data-order-status="unpaid"' in page and '<span data-value="unsend">待发货</span>' in page


def test_an_order_past_its_payment_time_is_not_sent_to_the_cashier(settings):
    from tests.commerce.orders.conftest import age_order

    order = place_alipay_order()
    age_order(order, settings.ORDER_UNPAID_TIMEOUT_SECONDS - 30)

    response = logged_in(order.user).get(f"/payment/{order.order_id}/", follow=True)

    assert "订单已超过支付时限" in response.content.decode()


@pytest.mark.parametrize("form", ["bare_base64", "escaped_newlines"])
def test_keys_given_as_alipay_console_text_sign_the_same_requests(settings, form):
    from pathlib import Path

    pem = Path(settings.ALIPAY_APP_PRIVATE_KEY_FILE).read_text()
    if form == "bare_base64":
        text = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    else:
        text = pem.replace("\n", "\\n")
    settings.ALIPAY_APP_PRIVATE_KEY_FILE = ""
    settings.ALIPAY_APP_PRIVATE_KEY = text
    order = place_alipay_order()

    cashier = Client().get(logged_in(order.user).get(f"/payment/{order.order_id}/")["Location"])

    assert cashier.status_code == 200 and "付款" in cashier.content.decode()
