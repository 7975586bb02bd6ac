"""allauth's own pages wear the shop's layout and say the shop's password rule (issue 13, SPEC A7).

The email password reset, its key page and the password change page are allauth views; the shop overrides
allauth's layout and form "elements" (templates/allauth/), so every such page has the shop's header, the auth
card styles and form rows, and a new password is asked for as "8-20位的密码" — not Django's validator list.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core import mail

from tests.factories import UserFactory
from tests.support import wait_until

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Brand-new-pass-7"
DJANGO_RULES = ("too similar", "太相似", "commonly used", "常用", "entirely numeric", "至少包含", "at least 8")


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _assert_shop_layout(soup: BeautifulSoup) -> None:
    assert soup.select_one("header.site-header .logo") is not None  # the shop's header and footer
    assert soup.select_one("footer.site-footer") is not None
    assert soup.select_one("body.allauth-page") is not None
    assert any("css/auth.css" in link["href"] for link in soup.select("link[rel=stylesheet]"))
    form = soup.select_one("main form.auth-form")
    assert form is not None
    for field in form.select("input[type=email], input[type=password], input[type=text]"):
        assert field.find_parent(class_="form-row") is not None, field
    assert form.select_one("button.btn-primary.auth-submit") is not None


def _reset_link(client, user, dramatiq_worker) -> str:
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    assert client.post("/accounts/password/reset/", {"email": user.email}).status_code == 302
    wait_until(lambda: mail.outbox, 15, "the reset mail")
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    return response["Location"]


def test_the_reset_request_page_uses_the_shop_layout(client):
    soup = _soup(client.get("/accounts/password/reset/"))
    _assert_shop_layout(soup)
    assert soup.select_one("main input[type=email]") is not None


def test_the_reset_key_page_uses_the_shop_layout_and_its_own_password_rule(client, dramatiq_worker):
    user = UserFactory(username="mail_fan", email="mail_fan@example.com")
    key_page = _reset_link(client, user, dramatiq_worker)
    soup = _soup(client.get(key_page))
    _assert_shop_layout(soup)
    text = soup.select_one("main").get_text(" ", strip=True)
    assert soup.select_one("[data-password-rule]").get_text(strip=True) == "8-20位的密码"
    assert not any(rule in text for rule in DJANGO_RULES), text

    too_long = "Abcdefgh12345678901234"  # 22 characters
    soup = _soup(client.post(key_page, {"password1": too_long, "password2": too_long}))
    assert "请输入8-20位的密码" in soup.select_one("[data-field=password1] .field-error").get_text()
    user.refresh_from_db()
    assert not user.check_password(too_long)

    response = client.post(key_page, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    _soup(client.get(response["Location"]))  # the "password changed" page renders in the shop layout too


def test_a_used_reset_link_says_so_in_the_shop_layout(client):
    soup = _soup(client.get("/accounts/password/reset/key/1-set-password/"))
    assert soup.select_one("header.site-header") is not None and soup.select_one("body.allauth-page")
    assert soup.select_one("main a[href='/accounts/password/reset/']") is not None


def test_the_password_change_page_uses_the_shop_layout_and_rule(client):
    user = UserFactory()
    client.force_login(user)
    soup = _soup(client.get("/accounts/password/change/"))
    _assert_shop_layout(soup)
    assert soup.select_one("[data-password-rule]").get_text(strip=True) == "8-20位的密码"


def test_the_logout_confirmation_uses_the_shop_layout(client):
    client.force_login(UserFactory())
    soup = _soup(client.get("/accounts/logout/"))
    assert soup.select_one("header.site-header") is not None
    assert soup.select_one("main form.auth-form button.auth-submit") is not None
