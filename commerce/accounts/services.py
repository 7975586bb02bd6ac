"""Account services (SPEC A1, A4, A5, A7): username and mobile rules, signed step tokens, QQ binding and
the three-step password reset by SMS. Views call these and map AccountsError to a Chinese message."""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.sms import MOBILE_RE, SmsPurpose, verify_sms_code
from commerce.errors import CommerceError

logger = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[A-Za-z0-9_-]{5,20}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 20
QQ_PROVIDER = "qq"


class AccountsError(CommerceError):
    code = AccountErrorCode.ACCOUNTS_ERROR
    default_message = gettext_lazy("操作失败，请稍后重试")


class TokenInvalid(AccountsError):
    code = AccountErrorCode.TOKEN_INVALID
    default_message = gettext_lazy("链接无效或已被篡改，请重新操作")


class TokenExpired(AccountsError):
    code = AccountErrorCode.TOKEN_EXPIRED
    default_message = gettext_lazy("操作已超时，请重新开始")


# --- Field rules (A1) -------------------------------------------------------------------------------
def username_problem(username: str) -> str | None:
    """The Chinese reason `username` breaks A1's rule, or None when it is well-formed."""
    if not USERNAME_RE.match(username or ""):
        return _("请输入5-20个字符的用户名，只能包含字母、数字、下划线和减号")
    if username.isdigit():
        return _("用户名不能是纯数字")
    return None


def is_username_taken(username: str) -> bool:
    return get_user_model().objects.filter(username__iexact=username).exists()


def is_mobile_taken(mobile: str) -> bool:
    return get_user_model().objects.filter(mobile=mobile).exists()


def password_problems(password: str, user: AbstractBaseUser | None = None) -> list[str]:
    """A1's 8-20 length plus AUTH_PASSWORD_VALIDATORS, as Chinese messages (empty when acceptable)."""
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        return [_("请输入8-20位的密码")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def mask_mobile(mobile: str) -> str:
    """138****1234"""
    return f"{mobile[:3]}****{mobile[-4:]}" if mobile and len(mobile) >= 7 else ""


def safe_next(request, candidate: str | None) -> str | None:
    """`candidate` if it is a local URL on this host, else None (A4: never redirect off-site)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


# --- Opaque, signed, short-lived tokens --------------------------------------------------------------
# A token is a random id signed with a timestamp (TimestampSigner, a salt per purpose); what it stands for
# (user id, mobile, openid, ...) stays server-side in Redis under that id, so the token itself reveals nothing
# (a signed object would only be base64: anyone could read the mobile number in a reset link).
TOKEN_TTL = 3600  # Redis keeps a payload this long at most; each reader checks its own, shorter, max_age


def _token_key(salt: str, token_id: str) -> str:
    return f"mh:token:{salt}:{token_id}"


def sign_token(payload: dict[str, Any], *, salt: str, ttl: int = TOKEN_TTL) -> str:
    """A URL-safe token for `payload`; the payload itself is kept in Redis for `ttl` seconds."""
    from commerce.accounts.redis_store import redis_client

    token_id = secrets.token_urlsafe(18)
    redis_client().set(_token_key(salt, token_id), json.dumps(payload), ex=ttl)
    return signing.TimestampSigner(salt=salt).sign(token_id)


def unsign_token(token: str, *, salt: str, max_age: int) -> dict[str, Any]:
    """The payload of a token signed with `salt` no older than `max_age` s; raises TokenExpired/TokenInvalid."""
    from commerce.accounts.redis_store import redis_client

    try:
        token_id = signing.TimestampSigner(salt=salt).unsign(token or "", max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenInvalid() from None
    raw = redis_client().get(_token_key(salt, token_id))
    if raw is None:
        raise TokenExpired()
    try:
        payload = json.loads(raw)
    except ValueError:
        raise TokenInvalid() from None
    if not isinstance(payload, dict):
        raise TokenInvalid()
    return payload


# --- QQ binding (A5) --------------------------------------------------------------------------------
QQ_BIND_SALT = "accounts.qq.bind"


def make_qq_bind_token(*, openid: str, nickname: str = "", next_url: str | None = None) -> str:
    return sign_token(
        {"openid": openid, "nickname": nickname[:60], "next": next_url or ""},
        salt=QQ_BIND_SALT,
        ttl=settings.QQ_BIND_TOKEN_MAX_AGE,
    )


def read_qq_bind_token(token: str) -> dict[str, Any]:
    payload = unsign_token(token, salt=QQ_BIND_SALT, max_age=settings.QQ_BIND_TOKEN_MAX_AGE)
    if not isinstance(payload.get("openid"), str) or not payload["openid"]:
        raise TokenInvalid()
    return payload


def _new_username(prefix: str) -> str:
    User = get_user_model()
    while True:
        candidate = f"{prefix}_{secrets.token_hex(4)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


@transaction.atomic
def bind_qq_account(*, openid: str, nickname: str, mobile: str, password: str, sms_code: str) -> AbstractBaseUser:
    """Bind QQ `openid` to the account of `mobile` (its password must match) or to a new account created
    for `mobile` with `password`. The SMS code (purpose bind) is checked first. Raises AccountsError."""
    from allauth.socialaccount.models import SocialAccount

    if not MOBILE_RE.match(mobile or ""):
        raise AccountsError(_("请输入正确的手机号码"), code=AccountErrorCode.MOBILE_INVALID, field="mobile")
    if SocialAccount.objects.filter(provider=QQ_PROVIDER, uid=openid).exists():
        raise AccountsError(_("该QQ已绑定其他账号，请直接使用QQ登录"), code=AccountErrorCode.QQ_ALREADY_BOUND)
    User = get_user_model()
    user = User.objects.select_for_update().filter(mobile=mobile).first()
    if user is not None:
        if not user.check_password(password):
            raise AccountsError(_("密码错误"), code=AccountErrorCode.PASSWORD_WRONG, field="password")
        if SocialAccount.objects.filter(provider=QQ_PROVIDER, user=user).exists():
            raise AccountsError(
                _("该手机号的账号已绑定其他QQ"), code=AccountErrorCode.ACCOUNT_ALREADY_BOUND, field="mobile"
            )
    else:
        problems = password_problems(password)
        if problems:
            raise AccountsError(problems[0], code=AccountErrorCode.PASSWORD_INVALID, field="password")
    verify_sms_code(mobile=mobile, purpose=SmsPurpose.BIND, code=sms_code)
    if user is None:
        user = User(username=_new_username("qq"), mobile=mobile, mobile_verified=True)
        user.set_password(password)
        user.save()
    elif not user.mobile_verified:
        user.mobile_verified = True
        user.save(update_fields=["mobile_verified"])
    try:
        with transaction.atomic():
            SocialAccount.objects.create(user=user, provider=QQ_PROVIDER, uid=openid, extra_data={"nickname": nickname})
    except IntegrityError:
        raise AccountsError(_("该QQ已绑定其他账号，请直接使用QQ登录"), code=AccountErrorCode.QQ_ALREADY_BOUND) from None
    return user


# --- Password reset by SMS (A7) ----------------------------------------------------------------------
RESET_SEND_SALT = "accounts.reset.sms.step2"  # step 1 -> 2: who, may send an SMS
RESET_PASSWORD_SALT = "accounts.reset.sms.step3"  # noqa: S105 (a salt) step 2 -> 3: the SMS code was right


def _password_fingerprint(user: AbstractBaseUser) -> str:
    """Changes whenever the password does, so a step-3 token dies once used."""
    return salted_hmac("accounts.reset.fingerprint", user.password).hexdigest()[:16]


def start_sms_reset(*, login: str) -> tuple[AbstractBaseUser, str]:
    """Step 1 (the caller checked the captcha): the user named by username or mobile, and a step-2 token."""
    User = get_user_model()
    login = (login or "").strip()
    field = "mobile" if MOBILE_RE.match(login) else "username__iexact"
    user = User.objects.filter(**{field: login}, is_active=True).first() if login else None
    if user is None:
        raise AccountsError(_("用户名或手机号不存在"), code=AccountErrorCode.USER_UNKNOWN, field="username")
    if not user.mobile:
        raise AccountsError(
            _("该账号未绑定手机号，请通过邮箱找回密码"), code=AccountErrorCode.NO_MOBILE, field="username"
        )
    token = sign_token(
        {"uid": user.pk, "mobile": user.mobile}, salt=RESET_SEND_SALT, ttl=settings.PASSWORD_RESET_TOKEN_MAX_AGE
    )
    return user, token


def read_reset_send_token(token: str) -> AbstractBaseUser:
    payload = unsign_token(token, salt=RESET_SEND_SALT, max_age=settings.PASSWORD_RESET_TOKEN_MAX_AGE)
    user = get_user_model().objects.filter(pk=payload.get("uid"), is_active=True).first()
    if user is None or user.mobile != payload.get("mobile"):
        raise TokenInvalid()
    return user


def verify_sms_reset(*, token: str, sms_code: str) -> str:
    """Step 2: the SMS code sent to the token's user; returns the step-3 token."""
    user = read_reset_send_token(token)
    verify_sms_code(mobile=user.mobile, purpose=SmsPurpose.RESET, code=sms_code)
    return sign_token(
        {"uid": user.pk, "fp": _password_fingerprint(user)},
        salt=RESET_PASSWORD_SALT,
        ttl=settings.PASSWORD_RESET_TOKEN_MAX_AGE,
    )


def read_reset_password_token(token: str) -> AbstractBaseUser:
    payload = unsign_token(token, salt=RESET_PASSWORD_SALT, max_age=settings.PASSWORD_RESET_TOKEN_MAX_AGE)
    user = get_user_model().objects.filter(pk=payload.get("uid"), is_active=True).first()
    if user is None or not constant_time_compare(str(payload.get("fp", "")), _password_fingerprint(user)):
        raise TokenInvalid(_("链接已失效，请重新找回密码"))
    return user


@transaction.atomic
def finish_sms_reset(*, token: str, password: str, password2: str) -> AbstractBaseUser:
    """Step 3: set the new password (the token then stops working). Raises AccountsError/TokenInvalid."""
    user = read_reset_password_token(token)
    if password != password2:
        raise AccountsError(_("两次输入的密码不一致"), code=AccountErrorCode.PASSWORD_MISMATCH, field="password2")
    problems = password_problems(password, user)
    if problems:
        raise AccountsError(problems[0], code=AccountErrorCode.PASSWORD_INVALID, field="password")
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def user_by_mobile(mobile: str) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(mobile=mobile, is_active=True).first()


# --- Operators: a shopper's account (SPEC I) ---------------------------------------------------------------


class CustomerNotFound(AccountsError):
    code = AccountErrorCode.CUSTOMER_NOT_FOUND
    http_status = 404
    default_message = gettext_lazy("顾客不存在（员工账号不能在这里停用）")


def customers():
    """Shoppers: accounts that are neither staff nor superusers nor in any staff group (editors, order staff)."""
    return get_user_model().objects.filter(is_staff=False, is_superuser=False, groups__isnull=True)


def set_customer_active(*, user_id: int, active: bool) -> AbstractBaseUser:
    """Deactivate or reactivate a shopper (never a staff account) with one UPDATE of `is_active`: no form, so
    nothing else (email, names) has to be filled. Inactive users can no longer log in, their sessions stop
    working and their order sockets close (Django's backend refuses inactive users). Raises CustomerNotFound."""
    if not customers().filter(pk=user_id).exists():
        raise CustomerNotFound()
    users = get_user_model().objects.filter(pk=user_id, is_staff=False, is_superuser=False)
    if users.update(is_active=bool(active)) != 1:
        raise CustomerNotFound()
    logger.info("customer %s %s", user_id, "reactivated" if active else "deactivated")
    return users.get()
