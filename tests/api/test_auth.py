"""Login by password through the site's login form, JWT refresh with rotation, logout blacklisting the refresh
token, and the one error shape {"code", "message", "fields"} in the request's language."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD, login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["username", "mobile"])
def test_login_by_username_or_mobile_returns_a_token_pair_that_opens_the_profile(api, field):
    user = UserFactory(mobile="13512345678")
    response = api.post("/api/v1/auth/login/", {"login": getattr(user, field), "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": user.pk, "username": user.username} and body["access"] and body["refresh"]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    profile = api.get("/api/v1/profile/")
    assert profile.status_code == 200
    assert profile.json()["username"] == user.username and profile.json()["mobile"] == "135****5678"


def test_wrong_password_is_a_400_with_a_code_and_a_chinese_message(api, shopper):
    response = api.post("/api/v1/auth/login/", {"login": shopper.username, "password": "nope-nope-1"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and body["message"] == "用户名或密码错误" and "fields" in body


def test_the_error_message_follows_accept_language(api, shopper):
    response = api.post(
        "/api/v1/auth/login/",
        {"login": shopper.username, "password": "nope-nope-1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and response.json()["message"] != "用户名或密码错误"
    anonymous = api.get("/api/v1/profile/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    assert anonymous.json()["message"] == "Authentication credentials were not provided."


def test_missing_fields_name_each_field(api):
    response = api.post("/api/v1/auth/login/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"login", "password"}


def test_allauth_failed_login_limit_applies_to_the_api(api, shopper, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "100/m/ip,3/5m/key"}
    for _ in range(3):
        api.post("/api/v1/auth/login/", {"login": shopper.username, "password": "wrong-pass-1"}, format="json")
    right = api.post("/api/v1/auth/login/", {"login": shopper.username, "password": PASSWORD}, format="json")
    assert right.status_code == 400 and right.json()["message"] == "登录失败次数过多，请稍后再试"


def test_login_attempts_are_throttled_per_address(api, shopper, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "2/min"},
    }
    codes = [
        api.post("/api/v1/auth/login/", {"login": "x", "password": "y"}, format="json").status_code for _ in range(2)
    ]
    assert codes == [400, 400]
    third = api.post("/api/v1/auth/login/", {"login": "x", "password": "y"}, format="json")
    assert third.status_code == 429 and third.json()["code"] == "throttled" and third["Retry-After"]
    other_address = APIClient(REMOTE_ADDR="10.0.0.9")
    assert other_address.post("/api/v1/auth/login/", {"login": "x", "password": "y"}, format="json").status_code == 400


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api, shopper):
    pair = login(api, shopper)
    first = api.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert first.status_code == 200 and first.json()["access"] and first.json()["refresh"] != pair["refresh"]
    again = api.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401 and again.json()["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token(api, shopper):
    pair = login(api, shopper)
    assert api.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    refused = api.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refused.status_code == 401 and refused.json()["code"] == "token_not_valid"
    # Logging out twice, or with garbage, is still a logout.
    assert api.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert api.post("/api/v1/auth/logout/", {"refresh": "garbage"}, format="json").status_code == 204
    assert api.post("/api/v1/auth/logout/", {}, format="json").status_code == 400


def test_a_forged_access_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    response = api.get("/api/v1/profile/")
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"


def test_non_object_json_bodies_are_400_not_500(api):
    for payload in ("[1, 2]", "3", '"x"', "{bad json"):
        response = api.post("/api/v1/auth/login/", payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert response.json()["code"] in {"invalid_input", "parse_error"}


def test_requests_with_a_token_are_throttled_per_user(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"},
    }
    busy, calm = APIClient(), APIClient()
    login(busy, UserFactory())
    login(calm, UserFactory())
    assert [busy.get("/api/v1/profile/").status_code for _ in range(2)] == [200, 200]
    third = busy.get("/api/v1/profile/")
    assert third.status_code == 429 and third.json()["code"] == "throttled" and int(third["Retry-After"]) >= 1
    assert calm.get("/api/v1/profile/").status_code == 200  # same address, another user


def test_an_unknown_api_path_is_a_json_404_for_every_method(api):
    for method in ("get", "post", "put", "delete"):
        response = getattr(api, method)("/api/v1/addresses/AAA/")
        assert response.status_code == 404 and response.json()["code"] == "not_found", method
