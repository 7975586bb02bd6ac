"""User center pages (SPEC A8): profile and changing the password."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from commerce.accounts.user_center import mask_mobile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "meihao-pass-1"


@pytest.fixture
def shopper(client):
    user = UserFactory(username="zhangsan01", mobile="13812345678")
    client.force_login(user)
    return user


def test_profile_shows_username_masked_mobile_and_email_status(client, shopper):
    response = client.get(reverse("accounts:center"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "zhangsan01" in page
    assert "138****5678" in page and "13812345678" not in page
    assert 'data-email-status="none"' in page and "设置邮箱" in page


def test_the_center_menu_links_every_section(client, shopper):
    page = client.get(reverse("accounts:center")).content.decode()
    for text in ("个人信息", "收货地址", "我的订单", "修改密码", "我的优惠券", "我的积分"):
        assert text in page
    assert f'href="{reverse("accounts:addresses")}"' in page
    assert f'href="{reverse("accounts:center_password")}"' in page


@pytest.mark.parametrize(
    ("mobile", "masked"), [("13812345678", "138****5678"), (None, ""), ("", ""), ("12345", "*****")]
)
def test_mask_mobile(mobile, masked):
    assert mask_mobile(mobile) == masked


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, shopper):
    other_device = Client()
    other_device.force_login(shopper)
    assert other_device.get(reverse("accounts:center")).status_code == 200

    response = client.post(
        reverse("accounts:center_password"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw9"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:center")
    shopper.refresh_from_db()
    assert shopper.check_password("Brand-new-pw9")
    assert client.get(reverse("accounts:center")).status_code == 200
    assert other_device.get(reverse("accounts:center")).status_code == 302  # signed out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"old_password": "wrong-pass-1", "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw9"},
            "当前密码不正确",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw8"},
            "两次输入的新密码不一致",
        ),
        ({"old_password": PASSWORD, "new_password1": "Short-1", "new_password2": "Short-1"}, "密码长度为 8-20 个字符"),
        ({"old_password": PASSWORD, "new_password1": "A" * 21, "new_password2": "A" * 21}, "密码长度为 8-20 个字符"),
        ({"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}, "新密码不能与当前密码相同"),
        ({"old_password": "", "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw9"}, "请输入当前密码"),
        ({"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"}, "太常见"),
    ],
)
def test_bad_password_changes_are_refused_with_a_message(client, shopper, data, message):
    response = client.post(reverse("accounts:center_password"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    shopper.refresh_from_db()
    assert shopper.check_password(PASSWORD)


def test_guessing_the_old_password_is_limited(client, shopper):
    bad = {"old_password": "wrong-pass-1", "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw9"}
    for _ in range(5):
        client.post(reverse("accounts:center_password"), bad)
    response = client.post(
        reverse("accounts:center_password"),
        {"old_password": PASSWORD, "new_password1": "Brand-new-pw9", "new_password2": "Brand-new-pw9"},
    )
    assert "当前密码错误次数过多" in response.content.decode()
    shopper.refresh_from_db()
    assert shopper.check_password(PASSWORD)


def test_password_page_renders(client, shopper):
    response = client.get(reverse("accounts:center_password"))
    assert response.status_code == 200
    assert "修改密码" in response.content.decode()
