"""Registration (SPEC A1): allauth's signup with our form — username, password twice, mobile, captcha-gated
SMS code, agreement — live "already taken" checks, Chinese errors beside the fields, nothing half-saved."""

import pytest
from allauth.account.signals import user_signed_up
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in

from commerce.accounts.redis_store import redis_client
from tests.commerce.accounts.auth_helpers import PASSWORD, request_code, sms_outbox_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
MOBILE = "13512345678"


def form_data(**overrides) -> dict:
    data = {
        "username": "meihao_fan",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "phone": MOBILE,
        "sms_code": "123456",
        "allow": "on",
    }
    data.update(overrides)
    return data


def current_code(mobile: str = MOBILE) -> str:
    return redis_client().hget(f"mh:sms:code:register:{mobile}", "code").decode()


def test_register_page_shows_every_a1_field(client):
    response = client.get("/register/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("username", "password1", "password2", "phone", "image_code", "image_code_id", "sms_code", "allow"):
        assert f'name="{name}"' in html
    assert "js/sms-countdown.js" in html and "js/register.js" in html
    assert client.get("/accounts/signup/").status_code == 200  # allauth's URL shows the same page


def test_register_with_the_texted_code_creates_a_verified_account_and_logs_in(client, dramatiq_worker):
    signed_up, logged_in = [], []
    user_signed_up.connect(lambda **kw: signed_up.append(kw["user"]), weak=False, dispatch_uid="t-signup")
    user_logged_in.connect(lambda **kw: logged_in.append(kw["user"]), weak=False, dispatch_uid="t-login")
    try:
        assert request_code(client, MOBILE).status_code == 200
        code = sms_outbox_code(MOBILE)
        response = client.post("/register/", form_data(sms_code=code))
    finally:
        user_signed_up.disconnect(dispatch_uid="t-signup")
        user_logged_in.disconnect(dispatch_uid="t-login")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/"
    user = User.objects.get(username="meihao_fan")
    assert user.mobile == MOBILE and user.mobile_verified and user.check_password(PASSWORD)
    assert signed_up == [user] and logged_in == [user]
    assert int(client.session["_auth_user_id"]) == user.pk
    assert redis_client().exists(f"mh:sms:code:register:{MOBILE}") == 0  # the code is spent


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "abcd"}, "username", "请输入5-20个字符的用户名，只能包含字母、数字、下划线和减号"),
        ({"username": "a" * 21}, "username", "请输入5-20个字符的用户名，只能包含字母、数字、下划线和减号"),
        ({"username": "hello world"}, "username", "请输入5-20个字符的用户名，只能包含字母、数字、下划线和减号"),
        ({"username": "1234567"}, "username", "用户名不能是纯数字"),
        ({"username": ""}, "username", "请输入用户名"),
        ({"password1": "Ab1-xyz", "password2": "Ab1-xyz"}, "password1", "请输入8-20位的密码"),
        ({"password1": "Ab1-" * 6, "password2": "Ab1-" * 6}, "password1", "请输入8-20位的密码"),
        ({"password2": "Another-pass-1"}, "password2", "两次输入的密码不一致"),
        ({"phone": "1351234567"}, "phone", "请输入正确的中国大陆手机号"),
        ({"phone": "12512345678"}, "phone", "请输入正确的中国大陆手机号"),
        ({"allow": ""}, "allow", "请勾选同意用户协议"),
        ({"sms_code": ""}, "sms_code", "请输入短信验证码"),
    ],
)
def test_bad_field_gets_a_chinese_message_beside_it_and_creates_nothing(client, overrides, field, message):
    response = client.post("/register/", form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    html = response.content.decode()
    assert f'id="error-{field}"' in html and message in html
    assert not User.objects.exists()


def test_taken_username_is_refused(client):
    UserFactory(username="meihao_fan", mobile="13600000000")
    sms_before = redis_client().keys("mh:sms:*")
    response = client.post("/register/", form_data())
    assert response.context["form"].errors["username"] == ["用户名已存在"]
    assert User.objects.count() == 1
    assert redis_client().keys("mh:sms:*") == sms_before


def test_taken_mobile_is_refused(client):
    UserFactory(username="someone_else", mobile=MOBILE)
    response = client.post("/register/", form_data())
    assert response.context["form"].errors["phone"] == ["该手机号已注册"]
    assert User.objects.count() == 1


def test_wrong_sms_code_creates_nothing_and_counts_a_try(client):
    assert request_code(client, MOBILE).status_code == 200
    wrong = "000000" if current_code() != "000000" else "111111"
    response = client.post("/register/", form_data(sms_code=wrong))
    assert response.context["form"].errors["sms_code"] == ["短信验证码错误，还可尝试4次"]
    assert not User.objects.exists()


def test_sixth_wrong_sms_code_is_told_the_code_is_void_and_the_right_one_no_longer_works(client):
    assert request_code(client, MOBILE).status_code == 200
    right = current_code()
    wrong = "000000" if right != "000000" else "111111"
    messages = []
    for _ in range(6):
        response = client.post("/register/", form_data(sms_code=wrong))
        messages.append(response.context["form"].errors["sms_code"][0])
    assert messages[:4] == [f"短信验证码错误，还可尝试{n}次" for n in (4, 3, 2, 1)]
    assert messages[4:] == ["短信验证码错误次数过多，已失效，请重新获取"] * 2
    response = client.post("/register/", form_data(sms_code=right))
    assert response.context["form"].errors["sms_code"] == ["短信验证码错误次数过多，已失效，请重新获取"]
    assert not User.objects.exists()


def test_other_field_errors_do_not_burn_the_sms_code(client):
    assert request_code(client, MOBILE).status_code == 200
    code = current_code()
    client.post("/register/", form_data(sms_code=code, password2="Another-pass-1"))
    assert redis_client().hget(f"mh:sms:code:register:{MOBILE}", "tries") == b"0"
    assert current_code() == code


def test_live_username_check(client):
    UserFactory(username="taken_name", mobile="13600000001")
    assert client.get("/usernames/taken_name/count/").json() == {
        "ok": False,
        "count": 1,
        "code": "username_taken",
        "message": "用户名已存在",
    }
    assert client.get("/usernames/TAKEN_name/count/").json()["count"] == 1
    assert client.get("/usernames/free_name/count/").json() == {"ok": True, "count": 0, "code": "ok", "message": ""}
    body = client.get("/usernames/123456/count/").json()
    assert body["ok"] is False and body["message"] == "用户名不能是纯数字"
    assert client.get("/usernames/ab/count/").json()["code"] == "username_invalid"


def test_live_mobile_check(client):
    UserFactory(username="taken_name", mobile="13600000001")
    assert client.get("/mobiles/13600000001/count/").json() == {
        "ok": False,
        "count": 1,
        "code": "mobile_taken",
        "message": "该手机号已注册",
    }
    assert client.get("/mobiles/13600000002/count/").json()["ok"] is True
    assert client.get("/mobiles/1360000000x/count/").json()["message"] == "请输入正确的手机号码"
