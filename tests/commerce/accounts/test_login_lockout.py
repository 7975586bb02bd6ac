"""Failed-login lock (SPEC A4, issue 11): counted per account whatever name was typed (username, mobile or
email) and per client address; while the password is locked the owner still gets in by SMS code, or resets
the password, which lifts the lock."""

import base64
import binascii
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress

from tests.commerce.accounts.auth_helpers import PASSWORD, fresh_captcha, request_code, sms_outbox_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MOBILE = "13512345678"
LOCKED = "登录失败次数过多，请稍后再试"


@pytest.fixture
def shopper():
    user = UserFactory(username="meihao_fan", mobile=MOBILE, email="fan@example.com")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email="fan@example.com", primary=True, verified=True)
    return user


def login(client, name, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"login": name, "password": password}, REMOTE_ADDR=address)


def refused_as_locked(response) -> bool:
    return response.status_code == 200 and response.context["form"].non_field_errors() == [LOCKED]


def test_five_wrong_tries_under_any_mix_of_names_lock_the_account(client, shopper):
    for name in ("meihao_fan", MOBILE, "fan@example.com", "MEIHAO_FAN", MOBILE):
        assert not refused_as_locked(login(client, name, "wrong-password"))
    for name in ("meihao_fan", MOBILE, "fan@example.com"):
        assert refused_as_locked(login(client, name, PASSWORD, address="10.0.0.9"))
    assert "_auth_user_id" not in client.session


def test_wrong_tries_on_other_accounts_do_not_lock_this_one(client, shopper):
    for i in range(3):
        UserFactory(username=f"other_{i}x", mobile=f"1390000000{i}")
        for _ in range(2):
            login(client, f"other_{i}x", "wrong-password", address=f"10.0.1.{i}")
    response = login(client, "meihao_fan", PASSWORD, address="10.0.2.1")
    assert response.status_code == 302


def test_one_address_gets_ten_wrong_tries_a_minute_across_accounts(client, shopper):
    for i in range(10):
        UserFactory(username=f"victim_{i}x", mobile=f"1370000000{i}")
        login(client, f"victim_{i}x", "wrong-password", address="10.9.9.9")
    assert refused_as_locked(login(client, "meihao_fan", PASSWORD, address="10.9.9.9"))
    assert login(client, "meihao_fan", PASSWORD, address="10.0.0.2").status_code == 302


def test_the_owner_gets_in_by_sms_code_while_the_password_is_locked(client, shopper, dramatiq_worker):
    for _ in range(5):
        login(client, "meihao_fan", "wrong-password")
    assert refused_as_locked(login(client, "meihao_fan", PASSWORD))
    assert request_code(client, MOBILE, purpose="login").status_code == 200
    response = client.post("/login/sms/", {"mobile": MOBILE, "sms_code": sms_outbox_code(MOBILE)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == shopper.pk


def test_a_password_reset_by_sms_lifts_the_lock(client, shopper, dramatiq_worker):
    for _ in range(5):
        login(client, MOBILE, "wrong-password")
    assert refused_as_locked(login(client, "meihao_fan", PASSWORD))
    captcha_id, text = fresh_captcha(client)
    response = client.post(
        "/password/sms/", {"username": "meihao_fan", "image_code_id": captcha_id, "image_code": text}
    )
    send_token = parse_qs(urlsplit(response["Location"]).query)["token"][0]
    client.post("/sms_codes/", {"purpose": "reset", "token": send_token})
    response = client.post("/password/sms/verify/", {"token": send_token, "sms_code": sms_outbox_code(MOBILE)})
    password_token = parse_qs(urlsplit(response["Location"]).query)["token"][0]
    new_password = "Brand-new-pass-7"
    response = client.post(
        "/password/sms/new/", {"token": password_token, "password": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    assert login(client, "fan@example.com", new_password).status_code == 302


def _decodable_parts(token: str) -> str:
    """Everything a shopper can read out of a token: each part base64-decoded (and inflated) where possible."""
    import zlib

    seen = [token]
    for part in token.replace(".", ":").split(":"):
        for candidate in (part, part.lstrip(".")):
            padded = candidate + "=" * (-len(candidate) % 4)
            try:
                raw = base64.urlsafe_b64decode(padded)
            except (binascii.Error, ValueError):
                continue
            seen.append(raw.decode("latin-1"))
            try:
                seen.append(zlib.decompress(raw).decode("latin-1"))
            except zlib.error:
                pass
    return "\n".join(seen)


def test_reset_tokens_reveal_neither_the_user_id_nor_the_mobile(client, shopper, dramatiq_worker):
    captcha_id, text = fresh_captcha(client)
    response = client.post(
        "/password/sms/", {"username": "meihao_fan", "image_code_id": captcha_id, "image_code": text}
    )
    send_token = parse_qs(urlsplit(response["Location"]).query)["token"][0]
    readable = _decodable_parts(send_token)
    assert MOBILE not in readable and '"uid"' not in readable and "uid" not in readable
    client.post("/sms_codes/", {"purpose": "reset", "token": send_token})
    response = client.post("/password/sms/verify/", {"token": send_token, "sms_code": sms_outbox_code(MOBILE)})
    password_token = parse_qs(urlsplit(response["Location"]).query)["token"][0]
    assert "uid" not in _decodable_parts(password_token) and '"fp"' not in _decodable_parts(password_token)


def test_qq_bind_tokens_reveal_no_openid():
    from commerce.accounts import services

    token = services.make_qq_bind_token(openid="OPENID-SECRET-123", nickname="小明", next_url="/orders/")
    assert "OPENID-SECRET-123" not in _decodable_parts(token)
    assert services.read_qq_bind_token(token)["openid"] == "OPENID-SECRET-123"
