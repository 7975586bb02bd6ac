"""Error codes of accounts (sign-up, login, SMS, captcha, addresses, user centre)."""

from __future__ import annotations

from enum import StrEnum


class AccountErrorCode(StrEnum):
    """Every `code` a accounts error carries. The values are API-visible (JSON bodies, logs): never change one."""

    ACCOUNT_ALREADY_BOUND = "account_already_bound"
    ACCOUNTS_ERROR = "accounts_error"
    ADDRESS_ERROR = "address_error"
    ADDRESS_INVALID = "address_invalid"
    ADDRESS_LIMIT_REACHED = "address_limit_reached"
    ADDRESS_NOT_FOUND = "address_not_found"
    AREA_NOT_FOUND = "area_not_found"
    CAPTCHA_EXPIRED = "captcha_expired"
    CAPTCHA_ID_INVALID = "captcha_id_invalid"
    CAPTCHA_INVALID = "captcha_invalid"
    CAPTCHA_RATE_LIMITED = "captcha_rate_limited"
    CAPTCHA_WRONG = "captcha_wrong"
    CUSTOMER_NOT_FOUND = "customer_not_found"
    EMAIL_CHANGE_REFUSED = "email_change_refused"
    EMAIL_INVALID = "email_invalid"
    EMAIL_REQUIRED = "email_required"
    EMAIL_TAKEN = "email_taken"
    EMAIL_UNCHANGED = "email_unchanged"
    MOBILE_INVALID = "mobile_invalid"
    MOBILE_TAKEN = "mobile_taken"
    MOBILE_UNKNOWN = "mobile_unknown"
    NO_MOBILE = "no_mobile"
    PASSWORD_CHANGE_REFUSED = "password_change_refused"
    PASSWORD_INVALID = "password_invalid"
    PASSWORD_MISMATCH = "password_mismatch"
    PASSWORD_UNCHANGED = "password_unchanged"
    PASSWORD_WRONG = "password_wrong"
    PURPOSE_INVALID = "purpose_invalid"
    QQ_ALREADY_BOUND = "qq_already_bound"
    REGION_MISMATCH = "region_mismatch"
    SMS_CODE_EXPIRED = "sms_code_expired"
    SMS_CODE_FORMAT = "sms_code_format"
    SMS_CODE_INVALID = "sms_code_invalid"
    SMS_CODE_VOID = "sms_code_void"
    SMS_CODE_WRONG = "sms_code_wrong"
    SMS_DAILY_LIMIT = "sms_daily_limit"
    SMS_ERROR = "sms_error"
    SMS_TOO_FREQUENT = "sms_too_frequent"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_INVALID = "token_invalid"
    TOO_MANY_WRONG_PASSWORDS = "too_many_wrong_passwords"
    UNKNOWN_SKU = "unknown_sku"
    USER_UNKNOWN = "user_unknown"
    WRONG_PASSWORD = "wrong_password"


# A wrong, expired or used SMS code: the form shows the message under its "sms_code" field.
SMS_CODE_CODES = frozenset(
    {
        AccountErrorCode.SMS_CODE_EXPIRED,
        AccountErrorCode.SMS_CODE_FORMAT,
        AccountErrorCode.SMS_CODE_INVALID,
        AccountErrorCode.SMS_CODE_VOID,
        AccountErrorCode.SMS_CODE_WRONG,
    }
)
# A wrong or expired picture captcha, or too many tries: the form shows it under its "image_code" field.
CAPTCHA_CODES = frozenset(
    {
        AccountErrorCode.CAPTCHA_EXPIRED,
        AccountErrorCode.CAPTCHA_ID_INVALID,
        AccountErrorCode.CAPTCHA_INVALID,
        AccountErrorCode.CAPTCHA_RATE_LIMITED,
        AccountErrorCode.CAPTCHA_WRONG,
    }
)
