"""Account journeys in Chromium against Daphne (SPEC A1-A5, A7, G2). The captcha text is read from Redis by
the uuid the page used and the SMS code from the SMS backend's outbox — server state, never the page."""

from __future__ import annotations

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.commerce.accounts.auth_helpers import PASSWORD, captcha_text, sms_outbox_code
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
User = get_user_model()


def solve_captcha(page) -> None:
    expect(page.locator("#id_image_code_id")).not_to_have_value("")
    page.fill("#id_image_code", captcha_text(page.input_value("#id_image_code_id")))


def send_sms(page) -> None:
    solve_captcha(page)
    page.click("[data-sms-send]")
    expect(page.locator("[data-sms-send]")).to_be_disabled()
    expect(page.locator("[data-sms-send]")).to_have_text(re.compile(r"^\d+秒后可重新获取$"))


def remaining(page) -> int:
    return int(page.get_attribute("[data-sms]", "data-remaining") or 0)


def assert_logged_in_as(page, base: str, username: str) -> None:
    page.goto(f"{base}/center/")
    expect(page.locator("[data-user-name]")).to_have_text(username)


def log_out(page, base: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    page.goto(f"{base}/center/")  # the user center now asks to log in
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/center/"))


def log_in(page, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/center/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.click("button.auth-submit")
    page.wait_for_url(f"{base}/center/")


def test_register_with_captcha_and_sms_then_log_in_by_mobile_and_by_username(page, daphne_server, dramatiq_worker):
    base, mobile = daphne_server, "13511112222"
    page.goto(f"{base}/register/")
    page.fill("#id_phone", mobile)
    send_sms(page)
    code = sms_outbox_code(mobile)

    # The countdown is the server's: after a reload it continues from the Redis TTL instead of restarting.
    expect(page.locator("[data-sms]")).to_have_attribute("data-remaining", re.compile(r"^[1-9]\d*$"))
    page.wait_for_timeout(2200)
    before_reload = remaining(page)
    page.reload()
    expect(page.locator("#id_phone")).to_have_value(mobile)
    expect(page.locator("[data-sms-send]")).to_be_disabled()
    after_reload = remaining(page)
    assert 0 < after_reload <= before_reload <= 58

    # Live "already taken" check while typing, beside the field.
    UserFactory(username="taken_name", mobile="13600000000")
    page.fill("#id_username", "taken_name")
    expect(page.locator("#error-username")).to_have_text("用户名已存在")

    page.fill("#id_username", "journey_fan")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_phone", mobile)
    page.fill("#id_sms_code", code)
    page.check("#id_allow")
    page.click("button.auth-submit")
    page.wait_for_url(f"{base}/")
    user = User.objects.get(username="journey_fan")
    assert user.mobile == mobile and user.mobile_verified
    assert_logged_in_as(page, base, "journey_fan")

    log_out(page, base)
    log_in(page, base, mobile, PASSWORD)
    assert_logged_in_as(page, base, "journey_fan")
    log_out(page, base)
    log_in(page, base, "journey_fan", PASSWORD)
    assert_logged_in_as(page, base, "journey_fan")


def test_qq_login_of_a_new_openid_binds_a_new_mobile_and_lands_logged_in(page, daphne_server, dramatiq_worker):
    base, mobile = daphne_server, "13722223333"
    page.goto(f"{base}/accounts/login/?next=/center/")
    page.click("#qq-login")
    page.wait_for_url(re.compile(r"/qq-sim/oauth2\.0/authorize\?"))
    page.fill("#qq_number", "10002")
    page.fill("#nickname", "阿好")
    page.click("#qq-authorize")  # -> callback -> token, /me, get_user_info over HTTP -> bind page
    page.wait_for_url(re.compile(r"/oauth/qq/bind/\?token="))
    expect(page.locator("#qq-bind")).to_contain_text("阿好")

    page.fill("#id_mobile", mobile)
    page.fill("#id_password", PASSWORD)
    send_sms(page)
    page.fill("#id_sms_code", sms_outbox_code(mobile))
    page.click("button.auth-submit")
    page.wait_for_url(f"{base}/center/")
    user = User.objects.get(mobile=mobile)
    assert SocialAccount.objects.get(provider="qq").user == user
    expect(page.locator("[data-user-name]")).to_have_text(user.username)

    # The bound openid now logs straight in.
    log_out(page, base)
    page.goto(f"{base}/accounts/login/?next=/center/")
    page.click("#qq-login")
    page.fill("#qq_number", "10002")
    page.click("#qq-authorize")
    page.wait_for_url(f"{base}/center/")
    expect(page.locator("[data-user-name]")).to_have_text(user.username)


def test_reset_the_password_by_sms_in_three_steps(page, daphne_server, dramatiq_worker):
    base, mobile = daphne_server, "13833334444"
    UserFactory(username="forgetful", mobile=mobile)
    page.goto(f"{base}/accounts/login/")
    page.click("text=忘记密码（短信找回）")
    page.fill("#id_username", "forgetful")
    solve_captcha(page)
    page.click("button.auth-submit")
    page.wait_for_url(re.compile(r"/password/sms/verify/\?token="))
    expect(page.locator("[data-masked-mobile]")).to_have_text("138****4444")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))

    page.click("[data-sms-send]")
    expect(page.locator("[data-sms-send]")).to_be_disabled()
    expect(page.locator("[data-sms-send]")).to_contain_text("秒后可重新获取")
    page.reload()  # the countdown survives: the socket finds the mobile by the step token
    expect(page.locator("[data-sms-send]")).to_contain_text("秒后可重新获取")
    assert any("138****4444" in frame for frame in frames)
    assert mobile not in page.content() and not any(mobile in frame for frame in frames)  # issue 11
    page.fill("#id_sms_code", sms_outbox_code(mobile))
    page.click("button.auth-submit")
    page.wait_for_url(re.compile(r"/password/sms/new/\?token="))
    page.fill("#id_password", "Reset-pass-2026")
    page.fill("#id_password2", "Reset-pass-2026")
    page.click("button.auth-submit")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".messages")).to_contain_text("密码已重置，请使用新密码登录")

    log_in(page, base, "forgetful", "Reset-pass-2026")
    assert_logged_in_as(page, base, "forgetful")


def test_unsafe_next_is_ignored_in_the_browser(page, daphne_server):
    base = daphne_server
    UserFactory(username="careful_fan", mobile="13944445555")
    page.goto(f"{base}/accounts/login/?next=https://evil.example/")
    expect(page.locator(".messages")).to_contain_text("跳转地址不安全，已忽略")
    page.fill("#id_login", "careful_fan")
    page.fill("#id_password", "meihao-pass-1")
    page.click("button.auth-submit")
    page.wait_for_url(f"{base}/")
