"""Email activation (SPEC A6) on allauth's HMAC confirmations, mailed by the real Dramatiq worker."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from commerce.accounts.models import User
from tasks.actors.mail import send_mail_task
from tests.factories import UserFactory

LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


def _deliver(broker, worker) -> None:
    broker.join(send_mail_task.queue_name, timeout=20_000)
    worker.join()


def _link(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def shopper(client, transactional_db):
    user = UserFactory(email="")
    client.force_login(user)
    return user


def test_setting_an_email_mails_a_link_from_the_worker_and_the_link_verifies_it(
    client, shopper, dramatiq_broker, dramatiq_worker
):
    response = client.post(reverse("accounts:center_email"), {"email": "Zhang.San@Example.com"})
    assert response.status_code == 302
    _deliver(dramatiq_broker, dramatiq_worker)

    assert len(mail.outbox) == 1
    assert len(cache.keys("mail:sent:*")) == 1  # delivered by send_mail_task, not inside the request
    message = mail.outbox[0]
    assert message.to == ["zhang.san@example.com"]
    assert message.subject == "【美好商城】请验证您的邮箱"
    assert "24 小时内" in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"

    profile = client.get(reverse("accounts:center")).content.decode()
    assert "zhang.san@example.com" in profile and "未验证" in profile

    link = _link(message)
    page = client.get(link)
    assert page.status_code == 200 and "zhang.san@example.com" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == "/center/"

    shopper.refresh_from_db()
    assert shopper.email == "zhang.san@example.com"
    assert shopper.email_verified is True
    assert EmailAddress.objects.get(user=shopper).verified
    profile = client.get(reverse("accounts:center")).content.decode()
    assert 'data-email-status="verified"' in profile and "已验证" in profile


def test_changing_a_verified_email_keeps_the_old_one_until_the_new_link_is_clicked(
    client, shopper, dramatiq_broker, dramatiq_worker
):
    User.objects.filter(pk=shopper.pk).update(email="old@example.com", email_verified=True)
    EmailAddress.objects.create(user=shopper, email="old@example.com", verified=True, primary=True)

    client.post(reverse("accounts:center_email"), {"email": "new@example.com"})
    _deliver(dramatiq_broker, dramatiq_worker)
    shopper.refresh_from_db()
    assert (shopper.email, shopper.email_verified) == ("old@example.com", True)
    profile = client.get(reverse("accounts:center")).content.decode()
    assert "new@example.com" in profile and "data-email-pending" in profile

    client.post(_link(mail.outbox[-1]))
    shopper.refresh_from_db()
    assert (shopper.email, shopper.email_verified) == ("new@example.com", True)
    assert list(EmailAddress.objects.filter(user=shopper).values_list("email", flat=True)) == ["new@example.com"]


def test_a_tampered_link_shows_a_clear_message_and_verifies_nothing(client, shopper):
    address = EmailAddress.objects.create(user=shopper, email="a@example.com", verified=False)
    key = EmailConfirmationHMAC(address).key
    tampered = key[:-2] + ("aa" if not key.endswith("aa") else "bb")
    page = client.get(reverse("account_confirm_email", args=[tampered]))
    assert page.status_code == 200
    assert "邮箱验证链接无效或已过期" in page.content.decode()
    assert client.post(reverse("account_confirm_email", args=[tampered])).status_code == 404
    address.refresh_from_db()
    assert not address.verified
    shopper.refresh_from_db()
    assert not shopper.email_verified


def test_a_link_older_than_24_hours_has_expired(client, shopper, monkeypatch):
    address = EmailAddress.objects.create(user=shopper, email="a@example.com", verified=False)
    real_time = time.time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real_time() - 24 * 3600 - 60)
    key = EmailConfirmationHMAC(address).key
    monkeypatch.setattr("django.core.signing.time.time", real_time)

    page = client.get(reverse("account_confirm_email", args=[key]))
    assert "邮箱验证链接无效或已过期" in page.content.decode()
    client.post(reverse("account_confirm_email", args=[key]))
    address.refresh_from_db()
    assert not address.verified


def test_a_link_a_few_hours_old_still_works(client, shopper, monkeypatch):
    address = EmailAddress.objects.create(user=shopper, email="a@example.com", verified=False)
    real_time = time.time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real_time() - 23 * 3600)
    key = EmailConfirmationHMAC(address).key
    monkeypatch.setattr("django.core.signing.time.time", real_time)
    client.post(reverse("account_confirm_email", args=[key]))
    address.refresh_from_db()
    assert address.verified


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "请填写邮箱地址"),
        ("not-an-email", "请输入正确的邮箱地址"),
        ("a@b", "请输入正确的邮箱地址"),
        ("x" * 250 + "@example.com", "邮箱地址太长"),
    ],
)
def test_a_malformed_email_is_refused_with_a_message_and_sends_nothing(client, shopper, email, message):
    response = client.post(reverse("accounts:center_email"), {"email": email})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EmailAddress.objects.filter(user=shopper).exists()
    assert mail.outbox == []


def test_an_email_verified_by_another_account_is_refused(client, shopper):
    other = UserFactory(email="taken@example.com")
    EmailAddress.objects.create(user=other, email="taken@example.com", verified=True, primary=True)
    response = client.post(reverse("accounts:center_email"), {"email": "TAKEN@example.com"})
    assert response.status_code == 400
    assert "该邮箱已被其他账号使用" in response.content.decode()
    assert not EmailAddress.objects.filter(user=shopper).exists()


def test_setting_the_same_verified_email_again_is_refused(client, shopper):
    User.objects.filter(pk=shopper.pk).update(email="me@example.com", email_verified=True)
    EmailAddress.objects.create(user=shopper, email="me@example.com", verified=True, primary=True)
    response = client.post(reverse("accounts:center_email"), {"email": "me@example.com"})
    assert "该邮箱已是您的已验证邮箱" in response.content.decode()


def test_the_mail_job_is_safe_to_run_twice(transactional_db, dramatiq_broker, dramatiq_worker):
    payload = {
        "id": "fixed-id-1",
        "subject": "s",
        "body": "b",
        "content_subtype": "plain",
        "from_email": "shop@example.com",
        "to": ["a@example.com"],
        "cc": [],
        "bcc": [],
        "reply_to": [],
        "headers": {},
        "alternatives": [],
    }
    send_mail_task.send(payload)
    send_mail_task.send(payload)
    _deliver(dramatiq_broker, dramatiq_worker)
    assert len(mail.outbox) == 1


def test_email_change_needs_login(client, transactional_db):
    response = client.post(reverse("accounts:center_email"), {"email": "a@example.com"})
    assert response.status_code == 302 and "login" in response["Location"]
