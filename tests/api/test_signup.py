"""Registering and logging in by SMS code through the API: the captcha image, the texted code (delivered by a
real Dramatiq worker to the SMS backend's outbox), the site's register and SMS-login forms, and a token pair
that buys straight away."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from tests.commerce.accounts.auth_helpers import captcha_text, sms_outbox_code
from tests.factories import SKUFactory, ensure_beijing_areas

MOBILE = "13912345678"
PASSWORD = "Meihao-pass-123"


def _captcha(api) -> tuple[str, str]:
    captcha_id = str(uuid.uuid4())
    image = api.get(f"/api/v1/captcha/{captcha_id}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    return captcha_id, captcha_text(captcha_id)


def _text_me(api, purpose: str, mobile: str = MOBILE):
    captcha_id, text = _captcha(api)
    payload = {"mobile": mobile, "purpose": purpose, "image_code_id": captcha_id, "image_code": text}
    return api.post("/api/v1/sms-codes/", payload, format="json")


@pytest.mark.django_db(transaction=True)
def test_register_with_the_texted_code_then_buy_with_the_token_pair(api, dramatiq_worker):
    ensure_beijing_areas()
    sent = _text_me(api, "register")
    assert sent.status_code == 200 and sent.json() == {"mobile": "139****5678", "remaining": 60}
    code = sms_outbox_code(MOBILE)

    wrong = api.post(
        "/api/v1/auth/register/",
        {"username": "meihao_app", "password": PASSWORD, "password2": "other-pass-1", "mobile": MOBILE,
         "sms_code": code, "allow": True},
        format="json",
    )  # fmt: skip
    assert wrong.status_code == 400 and "password2" in wrong.json()["fields"]
    registered = api.post(
        "/api/v1/auth/register/",
        {"username": "meihao_app", "password": PASSWORD, "password2": PASSWORD, "mobile": MOBILE,
         "sms_code": code, "allow": True},
        format="json",
    )  # fmt: skip
    assert registered.status_code == 201, registered.content
    user = get_user_model().objects.get(username="meihao_app")
    assert user.mobile == MOBILE and user.mobile_verified and user.check_password(PASSWORD)

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")
    sku = SKUFactory(stock=3)
    assert api.post("/api/v1/cart/", {"sku_id": sku.id, "count": 1}, format="json").status_code == 201
    address = {"receiver": "王五", "province": 11, "city": 1101, "district": 110101, "place": "一号", "mobile": MOBILE}
    assert api.post("/api/v1/addresses/", address, format="json").status_code == 201
    checkout = api.get("/api/v1/checkout/").json()
    placed = api.post(
        "/api/v1/orders/",
        {"address_id": checkout["addresses"][0]["id"], "pay_method": "alipay", "token": checkout["token"]},
        format="json",
    )
    assert placed.status_code == 201
    pay = api.post(f"/api/v1/orders/{placed.json()['order_id']}/pay/")
    assert pay.status_code == 200 and "/alipay-sandbox/gateway.do?" in pay.json()["pay_url"]


@pytest.mark.django_db(transaction=True)
def test_login_by_sms_code(api, dramatiq_worker):
    from tests.factories import UserFactory

    user = UserFactory(mobile=MOBILE)
    assert _text_me(api, "login").status_code == 200
    code = sms_outbox_code(MOBILE)
    bad = api.post("/api/v1/auth/sms-login/", {"mobile": MOBILE, "sms_code": "000000"}, format="json")
    assert bad.status_code == 400 and "sms_code" in bad.json()["fields"]
    response = api.post("/api/v1/auth/sms-login/", {"mobile": MOBILE, "sms_code": code}, format="json")
    assert response.status_code == 200 and response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
def test_sms_code_refusals_are_codes(api):
    wrong_captcha = api.post(
        "/api/v1/sms-codes/",
        {"mobile": MOBILE, "purpose": "register", "image_code_id": str(uuid.uuid4()), "image_code": "ABCD"},
        format="json",
    )
    assert wrong_captcha.status_code == 400 and wrong_captcha.json()["code"].startswith("captcha")
    purpose = api.post("/api/v1/sms-codes/", {"mobile": MOBILE, "purpose": "reset"}, format="json")
    assert purpose.json()["code"] == "purpose_invalid" and "purpose" in purpose.json()["fields"]
    odd = api.post("/api/v1/sms-codes/", {"mobile": MOBILE, "purpose": {}}, format="json")  # found by schemathesis
    assert odd.status_code == 400 and odd.json()["code"] == "purpose_invalid"
    assert api.get("/api/v1/captcha/not-a-uuid/").status_code == 400
