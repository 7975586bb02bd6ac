"""Password reset (SPEC A7): by SMS in three steps, each carrying a short-lived signed token (a salt per
step), and by email link through allauth with the mail sent by the Dramatiq mail actor."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail, signing

from commerce.accounts import services
from commerce.accounts.redis_store import redis_client
from tests.commerce.accounts.auth_helpers import fresh_captcha, sms_outbox_code
from tests.factories import UserFactory
from tests.support import wait_until

pytestmark = pytest.mark.django_db
MOBILE = "13812345678"
NEW_PASSWORD = "Brand-new-pass-7"


@pytest.fixture
def shopper():
    return UserFactory(username="meihao_fan", mobile=MOBILE, email="fan@example.com")


def token_of(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query)["token"][0]


def step1(client, login="meihao_fan"):
    captcha_id, text = fresh_captcha(client)
    return client.post("/password/sms/", {"username": login, "image_code_id": captcha_id, "image_code": text})


def test_three_steps_reset_the_password_and_the_last_token_dies(client, shopper, dramatiq_worker):
    response = step1(client)
    assert response.status_code == 302 and response["Location"].startswith("/password/sms/verify/?token=")
    send_token = token_of(response)
    page = client.get(response["Location"]).content.decode()
    assert "138****5678" in page and MOBILE not in page

    sms = client.post("/sms_codes/", {"purpose": "reset", "token": send_token, "mobile": "13000000000"})
    assert sms.status_code == 200 and sms.json()["mobile"] == "138****5678"  # the token's mobile, not the client's
    code = sms_outbox_code(MOBILE)
    response = client.post("/password/sms/verify/", {"token": send_token, "sms_code": code})
    assert response.status_code == 302 and response["Location"].startswith("/password/sms/new/?token=")
    password_token = token_of(response)

    response = client.post(
        "/password/sms/new/", {"token": password_token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)
    again = client.post(
        "/password/sms/new/", {"token": password_token, "password": "Other-pass-99", "password2": "Other-pass-99"}
    )
    assert again.status_code == 400 and "链接已失效，请重新找回密码" in again.content.decode()
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)


def test_step1_accepts_the_mobile_and_refuses_unknown_users_and_bad_captchas(client, shopper):
    assert step1(client, login=MOBILE).status_code == 302
    response = step1(client, login="nobody_here")
    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["用户名或手机号不存在"]
    captcha_id, text = fresh_captcha(client)
    response = client.post(
        "/password/sms/", {"username": "meihao_fan", "image_code_id": captcha_id, "image_code": "xxxx"}
    )
    assert response.context["form"].errors["image_code"] == ["图形验证码错误，请点击图片刷新后重新输入"]
    response = client.post(
        "/password/sms/", {"username": "meihao_fan", "image_code_id": captcha_id, "image_code": text}
    )
    assert response.context["form"].errors["image_code"] == ["图形验证码已过期或已使用，请点击图片刷新"]


def test_wrong_code_at_step2_stays_on_step2(client, shopper):
    send_token = token_of(step1(client))
    client.post("/sms_codes/", {"purpose": "reset", "token": send_token})
    stored = redis_client().hget(f"mh:sms:code:reset:{MOBILE}", "code").decode()
    wrong = "000000" if stored != "000000" else "111111"
    response = client.post("/password/sms/verify/", {"token": send_token, "sms_code": wrong})
    assert response.status_code == 400
    assert response.context["form"].errors["sms_code"] == ["短信验证码错误，还可尝试4次"]


def tamper(token: str) -> str:
    return token[:-3] + ("abc" if not token.endswith("abc") else "xyz")


def test_tampered_tokens_are_refused_at_every_step(client, shopper):
    send_token = token_of(step1(client))
    for url in ("/password/sms/verify/", "/password/sms/new/"):
        for bad in (tamper(send_token), "", "nonsense"):
            response = client.get(url, {"token": bad})
            assert response.status_code == 400
            assert "链接无效或已被篡改，请重新操作" in response.content.decode()
    sms = client.post("/sms_codes/", {"purpose": "reset", "token": tamper(send_token)})
    assert sms.status_code == 400 and sms.json()["message"] == "链接无效或已被篡改，请重新操作"
    # A step-2 token is no step-3 token: salts differ per step.
    response = client.post(
        "/password/sms/new/", {"token": send_token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400
    shopper.refresh_from_db()
    assert shopper.check_password("meihao-pass-1")


class PastSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 3600)


def test_expired_tokens_are_refused(client, shopper):
    old_send = PastSigner(salt=services.RESET_SEND_SALT).sign_object(
        {"uid": shopper.pk, "mobile": MOBILE}, compress=True
    )
    response = client.get("/password/sms/verify/", {"token": old_send})
    assert response.status_code == 400 and "操作已超时，请重新开始" in response.content.decode()
    assert client.post("/sms_codes/", {"purpose": "reset", "token": old_send}).json()["code"] == "token_expired"
    old_new = PastSigner(salt=services.RESET_PASSWORD_SALT).sign_object(
        {"uid": shopper.pk, "fp": services._password_fingerprint(shopper)}, compress=True
    )
    response = client.post(
        "/password/sms/new/", {"token": old_new, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 400 and "操作已超时，请重新开始" in response.content.decode()
    shopper.refresh_from_db()
    assert shopper.check_password("meihao-pass-1")


def test_step3_password_rules(client, shopper):
    token = services.sign_token(
        {"uid": shopper.pk, "fp": services._password_fingerprint(shopper)}, salt=services.RESET_PASSWORD_SALT
    )
    response = client.post("/password/sms/new/", {"token": token, "password": "short", "password2": "short"})
    assert response.context["form"].errors["password"] == ["请输入8-20位的密码"]
    response = client.post(
        "/password/sms/new/", {"token": token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert response.context["form"].errors["password2"] == ["两次输入的密码不一致"]
    shopper.refresh_from_db()
    assert shopper.check_password("meihao-pass-1")


def test_reset_by_email_link_through_allauth_and_the_mail_actor(client, shopper, dramatiq_worker, dramatiq_broker):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=shopper, email="fan@example.com", primary=True, verified=True)
    response = client.post("/accounts/password/reset/", {"email": "fan@example.com"})
    assert response.status_code == 302
    wait_until(lambda: mail.outbox, 15, "the reset mail")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["fan@example.com"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key out of the URL into the session
    response = client.post(response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.check_password(NEW_PASSWORD)
