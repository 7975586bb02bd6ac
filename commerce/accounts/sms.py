"""SMS verification codes (SPEC A3) and the per-browser resend window behind the countdown (G2).

Redis keys (all expire by themselves):
  mh:sms:code:<purpose>:<mobile>   hash {code, tries, ref, void}   SMS_CODE_TIMEOUT (300 s)
  mh:sms:flag:<mobile>             one send per mobile per SMS_RESEND_INTERVAL (60 s)
  mh:sms:window:<session>:<mobile> this browser's pending resend window, TTL = the countdown
  mh:sms:day:m:<date>:<mobile>     sends to a mobile today       (SMS_DAILY_LIMIT_PER_MOBILE)
  mh:sms:day:ip:<date>:<ip>        sends from an IP today        (SMS_DAILY_LIMIT_PER_IP)
  mh:sms:sent:<ref>                the actor's "already delivered" marker (safe to run twice)

The queue message carries the mobile, the purpose and an opaque reference, never the code: the actor
reads the code from Redis and delivers only if the reference still names the live code.
"""

from __future__ import annotations

import logging
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce import live
from commerce.accounts import captcha, jobs
from commerce.accounts.errors import AccountErrorCode
from commerce.accounts.redis_store import redis_client
from commerce.accounts.sms_backends import get_sms_backend
from commerce.errors import CommerceError, TooManyRequestsError

logger = logging.getLogger(__name__)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class SmsPurpose(models.TextChoices):
    REGISTER = "register", gettext_lazy("注册")
    LOGIN = "login", gettext_lazy("登录")
    BIND = "bind", gettext_lazy("绑定QQ")
    RESET = "reset", gettext_lazy("找回密码")


class SmsError(CommerceError):
    code = AccountErrorCode.SMS_ERROR
    default_message = gettext_lazy("短信验证码发送失败，请稍后重试")


class MobileInvalid(SmsError):
    code = AccountErrorCode.MOBILE_INVALID
    default_message = gettext_lazy("请输入正确的手机号码")


class SendTooFrequent(TooManyRequestsError, SmsError):
    code = AccountErrorCode.SMS_TOO_FREQUENT
    default_message = gettext_lazy("发送短信过于频繁，请稍后再试")


class DailyLimitReached(TooManyRequestsError, SmsError):
    code = AccountErrorCode.SMS_DAILY_LIMIT
    default_message = gettext_lazy("今日发送短信次数已达上限，请明天再试")


class SmsCodeError(CommerceError):
    code = AccountErrorCode.SMS_CODE_INVALID
    default_message = gettext_lazy("短信验证码错误")


def validate_mobile(mobile: str) -> str:
    mobile = (mobile or "").strip()
    if not MOBILE_RE.match(mobile):
        raise MobileInvalid()
    return mobile


def _code_key(purpose: str, mobile: str) -> str:
    return f"mh:sms:code:{purpose}:{mobile}"


def _flag_key(mobile: str) -> str:
    return f"mh:sms:flag:{mobile}"


def window_key(session_key: str, mobile: str) -> str:
    return f"mh:sms:window:{session_key}:{mobile}"


def _day() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def _check_purpose(mobile: str, purpose: str) -> None:
    exists = get_user_model().objects.filter(mobile=mobile).exists()
    if purpose == SmsPurpose.REGISTER and exists:
        raise SmsError(_("该手机号已注册"), code=AccountErrorCode.MOBILE_TAKEN)
    if purpose in (SmsPurpose.LOGIN, SmsPurpose.RESET) and not exists:
        raise SmsError(_("该手机号未注册"), code=AccountErrorCode.MOBILE_UNKNOWN)


def request_sms_code(
    *,
    mobile: str,
    purpose: str,
    ip: str,
    session_key: str,
    captcha_id: str | None = None,
    captcha_text: str | None = None,
    captcha_verified: bool = False,
) -> int:
    """Check the captcha (consumed) unless the caller already proved one (`captcha_verified`, e.g. the
    SMS reset's signed step token), then the 60 s flag and the daily caps; store a fresh 6-digit code
    and queue its delivery. Returns the seconds of this browser's resend window.

    Raises MobileInvalid, CaptchaError, SmsError, SendTooFrequent or DailyLimitReached; nothing is sent then.
    """
    if purpose not in SmsPurpose.values:
        raise SmsError(_("不支持的短信类型"), code=AccountErrorCode.PURPOSE_INVALID)
    mobile = validate_mobile(mobile)
    if not captcha_verified:
        captcha.check_captcha(captcha_id=captcha_id or "", text=captcha_text or "")
    _check_purpose(mobile, purpose)

    client = redis_client()
    interval = settings.SMS_RESEND_INTERVAL
    if not client.set(_flag_key(mobile), purpose, ex=interval, nx=True):
        remaining = max(client.ttl(_flag_key(mobile)), 1)
        raise SendTooFrequent(
            _("发送短信过于频繁，请%(seconds)s秒后再试") % {"seconds": remaining}, remaining=remaining
        )

    day = _day()
    mobile_day, ip_day = f"mh:sms:day:m:{day}:{mobile}", f"mh:sms:day:ip:{day}:{ip}"
    with client.pipeline() as pipe:
        pipe.incr(mobile_day).expire(mobile_day, 86400 + 3600).incr(ip_day).expire(ip_day, 86400 + 3600)
        mobile_count, _ttl1, ip_count, _ttl2 = pipe.execute()
    if mobile_count > settings.SMS_DAILY_LIMIT_PER_MOBILE or ip_count > settings.SMS_DAILY_LIMIT_PER_IP:
        with client.pipeline() as pipe:
            pipe.decr(mobile_day).decr(ip_day).delete(_flag_key(mobile))
            pipe.execute()
        raise DailyLimitReached()

    code = f"{secrets.randbelow(10**6):06d}"
    ref = secrets.token_urlsafe(12)
    key = _code_key(purpose, mobile)
    with client.pipeline() as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"code": code, "tries": 0, "ref": ref})
        pipe.expire(key, settings.SMS_CODE_TIMEOUT)
        pipe.set(window_key(session_key, mobile), "1", ex=interval)
        pipe.execute()

    jobs.send_sms_code(mobile=mobile, purpose=str(purpose), ref=ref)
    _publish_countdown(session_key, mobile, interval)
    return interval


# KEYS[1] code hash; ARGV: submitted code, consume (1/0), max tries.
# Returns 0 right, -1 missing/expired, -2 void (too many wrong tries), n>0 wrong tries so far.
_VERIFY_LUA = """
local stored = redis.call('HGET', KEYS[1], 'code')
if not stored then return -1 end
if redis.call('HGET', KEYS[1], 'void') == '1' then return -2 end
if stored == ARGV[1] then
  if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
  return 0
end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'void', '1')
  return -2
end
return tries
"""


def verify_sms_code(*, mobile: str, purpose: str, code: str, consume: bool = True) -> None:
    """Check `code` for (purpose, mobile). A right code is deleted when `consume`; the 5th wrong try voids
    it for good. Raises SmsCodeError with a message saying which of these happened."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise SmsCodeError(_("请输入6位数字短信验证码"), code=AccountErrorCode.SMS_CODE_FORMAT)
    result = redis_client().eval(
        _VERIFY_LUA, 1, _code_key(purpose, mobile), code, "1" if consume else "0", settings.SMS_MAX_ATTEMPTS
    )
    if result == 0:
        return
    if result == -1:
        raise SmsCodeError(_("短信验证码已过期或未发送，请重新获取"), code=AccountErrorCode.SMS_CODE_EXPIRED)
    if result == -2:
        raise SmsCodeError(_("短信验证码错误次数过多，已失效，请重新获取"), code=AccountErrorCode.SMS_CODE_VOID)
    left = settings.SMS_MAX_ATTEMPTS - int(result)
    raise SmsCodeError(
        _("短信验证码错误，还可尝试%(left)s次") % {"left": left}, code=AccountErrorCode.SMS_CODE_WRONG, left=left
    )


def deliver_sms_code(*, mobile: str, purpose: str, ref: str) -> bool:
    """Send the live code for (purpose, mobile) if `ref` still names it and it was not delivered yet.
    Returns whether a message went out. Backend errors propagate (the actor retries)."""
    client = redis_client()
    key = _code_key(purpose, mobile)
    stored_ref, code = client.hmget(key, "ref", "code")
    if stored_ref is None or stored_ref.decode() != ref:
        logger.info("SMS code for %s/%s was replaced or expired; not sending", purpose, mobile[:3])
        return False
    sent_key = f"mh:sms:sent:{ref}"
    if not client.set(sent_key, "1", ex=settings.SMS_CODE_TIMEOUT, nx=True):
        return False
    try:
        get_sms_backend().send_code(
            mobile=mobile, code=code.decode(), minutes=settings.SMS_CODE_TIMEOUT // 60, purpose=purpose
        )
    except Exception:
        client.delete(sent_key)  # let the retry deliver it
        raise
    return True


def resend_remaining(*, session_key: str | None, mobile: str) -> int:
    """Seconds left in this browser's resend window for `mobile` (0 when none is pending)."""
    if not session_key or not MOBILE_RE.match(mobile or ""):
        return 0
    ttl = redis_client().ttl(window_key(session_key, mobile))
    return max(int(ttl), 0)


def _publish_countdown(session_key: str, mobile: str, remaining: int) -> None:
    """Tell this browser's open /ws/sms/ sockets that a window started (they then tick from Redis)."""
    try:
        live.announce(live.sms_window_started, session_key=session_key, mobile=mobile, remaining=remaining)
    except (OSError, ConnectionError) as exc:  # the countdown is a nicety; the code is already queued
        logger.warning("could not publish SMS countdown: %s", exc)
