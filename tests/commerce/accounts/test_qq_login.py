"""QQ login (SPEC A5): the local stand-in speaks QQ's protocol; an unbound openid reaches the bind page in a
signed, time-limited token; binding checks the SMS code and (for an existing mobile) the password."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core import signing

from commerce.accounts import services
from commerce.accounts.qq.views import parse_jsonp
from commerce.accounts.qq_standin.views import openid_for
from commerce.accounts.redis_store import redis_client
from tests.commerce.accounts.auth_helpers import PASSWORD, request_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
CLIENT_ID = "101518219"
OPENID = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
MOBILE = "13712345678"


def bind_code(mobile: str = MOBILE) -> str:
    return redis_client().hget(f"mh:sms:code:bind:{mobile}", "code").decode()


def bind_url(token: str) -> str:
    return f"/oauth/qq/bind/?token={token}"


# --- the stand-in speaks QQ's protocol -----------------------------------------------------------------
def test_standin_authorize_token_me_and_user_info(client, settings):
    redirect_uri = "http://testserver/accounts/qq/login/callback/"
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "state": "xyz"}
    page = client.get("/qq-sim/oauth2.0/authorize", params)
    assert page.status_code == 200 and "授权" in page.content.decode()
    response = client.post("/qq-sim/oauth2.0/authorize", {**params, "qq_number": "10001", "nickname": "小美"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert location.path == "/accounts/qq/login/callback/" and query["state"] == ["xyz"]
    code = query["code"][0]

    token_params = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": "meihao-local-qq-secret",
        "code": code,
        "redirect_uri": redirect_uri,
    }
    token = client.get("/qq-sim/oauth2.0/token", token_params)
    body = parse_qs(token.content.decode())  # access_token=...&expires_in=...&refresh_token=... (not JSON)
    assert set(body) == {"access_token", "expires_in", "refresh_token"}
    access_token = body["access_token"][0]
    reused = client.get("/qq-sim/oauth2.0/token", token_params).content.decode()
    assert reused.startswith("callback( ") and parse_jsonp(reused)["error"] == 100019  # codes are single use

    me = client.get("/qq-sim/oauth2.0/me", {"access_token": access_token}).content.decode()
    assert me.startswith("callback( {") and me.rstrip().endswith("} );")
    assert parse_jsonp(me) == {"client_id": CLIENT_ID, "openid": openid_for(CLIENT_ID, "10001")}
    info = client.get(
        "/qq-sim/user/get_user_info",
        {"access_token": access_token, "oauth_consumer_key": CLIENT_ID, "openid": openid_for(CLIENT_ID, "10001")},
    ).json()
    assert info["ret"] == 0 and info["nickname"] == "小美"


def test_standin_refuses_unknown_app_and_foreign_redirect(client):
    params = {"response_type": "code", "client_id": "999", "redirect_uri": "http://testserver/cb/", "state": "s"}
    assert client.get("/qq-sim/oauth2.0/authorize", params).status_code == 400
    params = {**params, "client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb/"}
    assert client.get("/qq-sim/oauth2.0/authorize", params).status_code == 400


def test_qq_login_button_redirects_to_the_standin_authorize_page(client):
    response = client.post("/accounts/qq/login/", {"next": "/orders/"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("testserver", "/qq-sim/oauth2.0/authorize")
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/accounts/qq/login/callback/"]
    assert query["state"][0]


# --- the bind page ----------------------------------------------------------------------------------
def test_bind_page_never_shows_the_openid(client):
    token = services.make_qq_bind_token(openid=OPENID, nickname="小美")
    html = client.get(bind_url(token)).content.decode()
    assert "小美" in html and OPENID not in html
    for name in ("mobile", "password", "image_code", "sms_code", "token"):
        assert f'name="{name}"' in html


def test_bind_to_a_new_mobile_creates_the_account_and_logs_in(client):
    logins = []
    user_logged_in.connect(lambda **kw: logins.append(kw["user"]), weak=False, dispatch_uid="qq-bind-login")
    try:
        token = services.make_qq_bind_token(openid=OPENID, nickname="小美", next_url="/orders/")
        assert request_code(client, MOBILE, purpose="bind", token=token).status_code == 200
        response = client.post(
            "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": PASSWORD, "sms_code": bind_code()}
        )
    finally:
        user_logged_in.disconnect(dispatch_uid="qq-bind-login")
    assert response.status_code == 302 and response["Location"] == "/orders/"
    user = User.objects.get(mobile=MOBILE)
    assert user.mobile_verified and user.check_password(PASSWORD) and user.username.startswith("qq_")
    assert SocialAccount.objects.get(provider="qq", uid=OPENID).user == user
    assert logins == [user]


def test_bind_to_an_existing_mobile_checks_the_password(client):
    owner = UserFactory(username="meihao_fan", mobile=MOBILE)
    token = services.make_qq_bind_token(openid=OPENID)
    request_code(client, MOBILE, purpose="bind", token=token)
    code = bind_code()
    response = client.post(
        "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": "wrong-pass-9", "sms_code": code}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password"] == ["密码错误"]
    assert not SocialAccount.objects.exists()
    response = client.post(
        "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": "meihao-pass-1", "sms_code": code}
    )
    assert response.status_code == 302
    assert SocialAccount.objects.get(provider="qq", uid=OPENID).user == owner
    assert User.objects.count() == 1


def test_bind_with_a_wrong_sms_code_changes_nothing(client):
    token = services.make_qq_bind_token(openid=OPENID)
    request_code(client, MOBILE, purpose="bind", token=token)
    wrong = "000000" if bind_code() != "000000" else "111111"
    response = client.post(
        "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": PASSWORD, "sms_code": wrong}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["sms_code"] == ["短信验证码错误，还可尝试4次"]
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_tampered_bind_token_is_refused(client):
    token = services.make_qq_bind_token(openid=OPENID)
    payload, _, signature = token.rpartition(":")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", "", payload + ":x"):
        response = client.get(bind_url(bad))
        assert response.status_code == 400
        assert "链接无效或已被篡改，请重新操作" in response.content.decode()
    forged = signing.TimestampSigner(salt="some-other-salt").sign_object({"openid": "FORGED"}, compress=True)
    response = client.post(
        "/oauth/qq/bind/", {"token": forged, "mobile": MOBILE, "password": PASSWORD, "sms_code": "123456"}
    )
    assert response.status_code == 400
    assert not User.objects.exists() and not SocialAccount.objects.exists()
    sms_response = request_code(client, MOBILE, purpose="bind", token="garbage")
    assert sms_response.status_code == 400 and sms_response.json()["code"] == "token_invalid"


class PastSigner(signing.TimestampSigner):
    """Signs as if it were an hour ago: a real token, only too old."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 3600)


def test_expired_bind_token_is_refused(client):
    token = PastSigner(salt=services.QQ_BIND_SALT).sign_object(
        {"openid": OPENID, "nickname": "", "next": ""}, compress=True
    )
    response = client.get(bind_url(token))
    assert response.status_code == 400
    assert "操作已超时，请重新开始" in response.content.decode()
    response = client.post(
        "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": PASSWORD, "sms_code": "123456"}
    )
    assert response.status_code == 400
    assert not User.objects.exists() and not SocialAccount.objects.exists()


def test_an_openid_already_bound_cannot_be_bound_again(client):
    other = UserFactory(username="first_owner", mobile="13600000009")
    SocialAccount.objects.create(user=other, provider="qq", uid=OPENID)
    token = services.make_qq_bind_token(openid=OPENID)
    request_code(client, MOBILE, purpose="bind", token=token)
    response = client.post(
        "/oauth/qq/bind/", {"token": token, "mobile": MOBILE, "password": PASSWORD, "sms_code": bind_code()}
    )
    assert response.status_code == 400
    assert "该QQ已绑定其他账号" in response.content.decode()
    assert SocialAccount.objects.get(uid=OPENID).user == other and not User.objects.filter(mobile=MOBILE).exists()
