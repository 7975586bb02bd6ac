"""Login (SPEC A4): username, mobile or email with password through allauth (its failed-login rate limit),
"remember me", login by SMS code, and `next` followed only when it is a local URL. Every path goes through
django.contrib.auth.login, so `user_logged_in` fires (the cart merge hooks it)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.signals import user_logged_in

from tests.commerce.accounts.auth_helpers import PASSWORD, request_code, sms_outbox_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    user = UserFactory(username="meihao_fan", mobile="13512345678", email="fan@example.com")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email="fan@example.com", primary=True, verified=True)
    return user


@pytest.fixture
def logins():
    seen = []
    user_logged_in.connect(lambda **kw: seen.append(kw["user"]), weak=False, dispatch_uid="test-logins")
    yield seen
    user_logged_in.disconnect(dispatch_uid="test-logins")


@pytest.mark.parametrize("login", ["meihao_fan", "13512345678", "fan@example.com", "MEIHAO_FAN"])
def test_password_login_by_username_mobile_or_email(client, shopper, logins, login):
    response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == shopper.pk
    assert logins == [shopper]


def test_login_page_is_chinese_and_offers_sms_qq_and_reset(client):
    html = client.get("/login/").content.decode()
    for text in ("用户名 / 手机号 / 邮箱", "记住登录", "短信验证码登录", "QQ登录", "忘记密码"):
        assert text in html
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.parametrize(
    ("login", "message"),
    [("meihao_fan", "用户名或密码错误"), ("13512345678", "手机号或密码错误"), ("fan@example.com", "邮箱或密码错误")],
)
def test_wrong_password_is_refused_in_chinese(client, shopper, logins, login, message):
    response = client.post("/accounts/login/", {"login": login, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    assert "_auth_user_id" not in client.session and logins == []


def test_failed_logins_are_rate_limited_even_for_the_right_password(client, shopper):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "meihao_fan", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": "meihao_fan", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["登录失败次数过多，请稍后再试"]
    assert "_auth_user_id" not in client.session


def test_remember_me_keeps_the_session_after_the_browser_closes(client, shopper):
    client.post("/accounts/login/", {"login": "meihao_fan", "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()
    client.logout()
    client.post("/accounts/login/", {"login": "meihao_fan", "password": PASSWORD, "remember": "on"})
    assert not client.session.get_expire_at_browser_close()


def test_safe_next_is_followed(client, shopper):
    response = client.post("/accounts/login/", {"login": "meihao_fan", "password": PASSWORD, "next": "/cart/?a=1"})
    assert response["Location"] == "/cart/?a=1"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/path", "http:\\\\evil.example", "javascript:alert(1)"]
)
def test_unsafe_next_is_ignored_with_a_chinese_message(client, shopper, unsafe):
    page = client.get("/accounts/login/", {"next": unsafe})
    assert page.status_code == 200
    assert "跳转地址不安全，已忽略；登录后将回到首页" in page.content.decode()
    assert unsafe not in page.content.decode()
    response = client.post("/accounts/login/", {"login": "meihao_fan", "password": PASSWORD, "next": unsafe})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sms_login_with_the_texted_code(client, shopper, logins, dramatiq_worker):
    assert request_code(client, "13512345678", purpose="login").status_code == 200
    code = sms_outbox_code("13512345678")
    response = client.post("/login/sms/", {"mobile": "13512345678", "sms_code": code, "next": "/orders/"})
    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    assert logins == [shopper]


def test_sms_login_with_a_wrong_code_or_unknown_mobile_is_refused(client, shopper):
    assert request_code(client, "13512345678", purpose="login").status_code == 200
    response = client.post("/login/sms/", {"mobile": "13512345678", "sms_code": "12345x"})
    assert response.context["form"].errors["sms_code"] == ["请输入6位数字短信验证码"]
    response = client.post("/login/sms/", {"mobile": "13900000000", "sms_code": "123456"})
    assert response.context["form"].errors["mobile"] == ["该手机号未注册"]
    response = client.post("/login/sms/", {"mobile": "139000", "sms_code": "123456"})
    assert "请输入正确的中国大陆手机号" in response.context["form"].errors["mobile"][0]
    assert "_auth_user_id" not in client.session


def test_sms_login_code_for_an_unknown_mobile_is_not_sent(client):
    response = request_code(client, "13900000000", purpose="login")
    assert response.status_code == 400
    assert response.json()["message"] == "该手机号未注册"


def test_sms_login_unsafe_next_is_ignored(client, shopper, dramatiq_worker):
    page = client.get("/login/sms/", {"next": "https://evil.example/"})
    assert "跳转地址不安全" in page.content.decode()
    request_code(client, "13512345678", purpose="login")
    code = sms_outbox_code("13512345678")
    response = client.post("/login/sms/", {"mobile": "13512345678", "sms_code": code, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_logout_is_a_post(client, shopper):
    client.force_login(shopper)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
