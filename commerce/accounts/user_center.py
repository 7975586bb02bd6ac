"""User center services (SPEC A8): the profile summary and changing the password.

Changing the password keeps the current browser logged in (its session hash is refreshed) and, because
Django checks every session's password hash, signs out every other session of the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import update_session_auth_hash
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from commerce.accounts.emails import EmailStatus, get_email_status
from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.models import User

WRONG_PASSWORD_LIMIT = 5
WRONG_PASSWORD_WINDOW_SECONDS = 15 * 60


class PasswordChangeError(Exception):
    code = AccountErrorCode.PASSWORD_CHANGE_REFUSED

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        self.message = message
        self.code = code
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Profile:
    username: str
    mobile_masked: str
    mobile_verified: bool
    email: EmailStatus


def mask_mobile(mobile: str | None) -> str:
    """138****0001; empty when there is no mobile."""
    if not mobile:
        return ""
    if len(mobile) < 7:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


def get_profile(*, user: User) -> Profile:
    return Profile(
        username=user.get_username(),
        mobile_masked=mask_mobile(user.mobile),
        mobile_verified=user.mobile_verified,
        email=get_email_status(user=user),
    )


def _wrong_key(user: User) -> str:
    return f"center:wrong-password:{user.pk}"


def change_password(*, request: HttpRequest, user: User, old_password: str, new_password: str) -> None:
    """Set `new_password` if `old_password` is right; this session stays logged in, the others end.

    Raises PasswordChangeError: wrong old password (at most 5 tries per 15 minutes, then refused until the
    window passes), or a new password equal to the old one. Length/strength checks are the form's.
    """
    key = _wrong_key(user)
    if (cache.get(key) or 0) >= WRONG_PASSWORD_LIMIT:
        raise PasswordChangeError(
            _("当前密码错误次数过多，请 15 分钟后再试"),
            code=AccountErrorCode.TOO_MANY_WRONG_PASSWORDS,
            field="old_password",
        )
    if not user.check_password(old_password):
        if not cache.add(key, 1, WRONG_PASSWORD_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # the window ended between add and incr
                cache.set(key, 1, WRONG_PASSWORD_WINDOW_SECONDS)
        raise PasswordChangeError(_("当前密码不正确"), code=AccountErrorCode.WRONG_PASSWORD, field="old_password")
    if old_password == new_password:
        raise PasswordChangeError(
            _("新密码不能与当前密码相同"), code=AccountErrorCode.PASSWORD_UNCHANGED, field="new_password1"
        )
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    cache.delete(key)
