"""Email address and activation (SPEC A6) on django-allauth's verification.

- allauth keeps the addresses (`EmailAddress`) and signs the activation link (HMAC confirmation key,
  valid ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 1 day); its `account_confirm_email` view checks it.
- The project's allauth adapter (adapters.AccountAdapter.send_mail) renders every mail in the request and
  hands it to the Dramatiq actor `send_mail_task` after commit (commerce.mail).
- With ACCOUNT_CHANGE_EMAIL, a new address waits beside the current one until its link is clicked; then it
  replaces the old one. `User.email_verified` mirrors whether `User.email` is a verified address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed, email_confirmed
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.models import User


class EmailChangeError(Exception):
    """The requested address was refused; `message` is shown to the shopper."""

    code = AccountErrorCode.EMAIL_CHANGE_REFUSED

    def __init__(self, message: str, *, code: str | None = None) -> None:
        self.message = message
        if code:
            self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class EmailStatus:
    """What the profile page shows."""

    email: str  # current address ("" if none)
    verified: bool  # the current address is verified
    pending: str  # an address waiting for its activation link ("" if none)


def get_email_status(*, user: User) -> EmailStatus:
    addresses = list(EmailAddress.objects.filter(user_id=user.pk))
    current = (user.email or "").lower()
    verified = any(a.verified and a.email.lower() == current for a in addresses) if current else False
    pending = next(
        (a.email for a in sorted(addresses, key=lambda a: -a.pk) if not a.verified and a.email.lower() != current),
        "",
    )
    return EmailStatus(email=user.email or "", verified=verified, pending=pending)


def request_email_change(*, request: HttpRequest, user: User, email: str) -> EmailAddress:
    """Record `email` as the address `user` wants and mail it an activation link (sent by the worker).

    Raises EmailChangeError for a malformed address, the address the user already has verified, or one that
    another account uses. Asking again replaces the pending address and sends a fresh link (allauth's
    rate limit may skip the resend within a few minutes; the earlier link stays valid).
    """
    email = (email or "").strip().lower()
    if not email:
        raise EmailChangeError(_("请填写邮箱地址"), code=AccountErrorCode.EMAIL_REQUIRED)
    if len(email) > 254:
        raise EmailChangeError(_("邮箱地址太长"), code=AccountErrorCode.EMAIL_INVALID)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise EmailChangeError(
            _("请输入正确的邮箱地址，例如 name@example.com"), code=AccountErrorCode.EMAIL_INVALID
        ) from exc
    status = get_email_status(user=user)
    if status.verified and status.email.lower() == email:
        raise EmailChangeError(_("该邮箱已是您的已验证邮箱，无需重复设置"), code=AccountErrorCode.EMAIL_UNCHANGED)
    taken = (
        EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user_id=user.pk).exists()
        or get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    )
    if taken:
        raise EmailChangeError(_("该邮箱已被其他账号使用，请换一个邮箱"), code=AccountErrorCode.EMAIL_TAKEN)
    if status.email.lower() == email:
        # The current, still unverified address: send its link again.
        address = EmailAddress.objects.filter(user_id=user.pk, email__iexact=email).first()
        if address is None:
            address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        address.send_confirmation(request)
        return address
    with transaction.atomic():
        return EmailAddress.objects.add_new_email(request, user, email)


def sync_email_verified(user_id: int) -> None:
    """Set `User.email_verified` from allauth's records (is `User.email` a verified address?)."""
    user = get_user_model().objects.filter(pk=user_id).only("id", "email", "email_verified").first()
    if user is None:
        return
    verified = (
        bool(user.email)
        and EmailAddress.objects.filter(user_id=user_id, email__iexact=user.email, verified=True).exists()
    )
    if user.email_verified != verified:
        get_user_model().objects.filter(pk=user_id).update(email_verified=verified)


@receiver(email_confirmed, dispatch_uid="accounts.sync_email_verified_on_confirm")
def _on_email_confirmed(sender: Any, request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any) -> None:
    sync_email_verified(email_address.user_id)


@receiver(email_changed, dispatch_uid="accounts.sync_email_verified_on_change")
def _on_email_changed(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    sync_email_verified(user.pk)
