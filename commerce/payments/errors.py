"""Business errors of payments (all `CommerceError`, each with a stable `code`)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from commerce.errors import CommerceError, ConflictError


class PaymentErrorCode(StrEnum):
    """Every `code` a payments error carries. The values are API-visible (JSON bodies, logs): never change one."""

    AMOUNT_MISMATCH = "amount_mismatch"
    APP_ID_MISMATCH = "app_id_mismatch"
    BAD_REFUND_AMOUNT = "bad_refund_amount"
    BAD_REFUND_REASON = "bad_refund_reason"
    BAD_REQUEST = "bad_request"
    BAD_RETURN_COUNT = "bad_return_count"
    BAD_RETURN_LINE = "bad_return_line"
    BAD_SIGNATURE = "bad_signature"
    EMPTY_REFUND = "empty_refund"
    GATEWAY_BAD_SIGNATURE = "gateway_bad_signature"
    GATEWAY_ERROR = "gateway_error"
    GATEWAY_REFUSED = "gateway_refused"
    INVALID_PARTIAL_REFUND = "invalid_partial_refund"
    NOTHING_TO_REFUND = "nothing_to_refund"
    NOT_SHIPPED = "not_shipped"
    PAYMENT_NOT_ALLOWED = "payment_not_allowed"
    PAYMENT_VERIFICATION_FAILED = "payment_verification_failed"
    QUERY_FAILED = "query_failed"
    REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
    REFUND_NOT_ALLOWED = "refund_not_allowed"
    REFUND_NOT_RETRYABLE = "refund_not_retryable"
    SELLER_MISMATCH = "seller_mismatch"
    TOO_MANY_REFUNDS = "too_many_refunds"
    TRADE_MISMATCH = "trade_mismatch"
    UNKNOWN_ORDER = "unknown_order"


# Alipay unreachable, refusing or answering with a system error: worth asking again later.
RETRYABLE_CODES = frozenset(
    {
        PaymentErrorCode.GATEWAY_ERROR,
        PaymentErrorCode.GATEWAY_BAD_SIGNATURE,
        PaymentErrorCode.GATEWAY_REFUSED,
        PaymentErrorCode.QUERY_FAILED,
    }
)


class PaymentNotAllowed(ConflictError):
    """The order cannot be paid online now (cash on delivery, already paid, cancelled...)."""

    code = PaymentErrorCode.PAYMENT_NOT_ALLOWED
    default_message = _("该订单当前无需支付")


class PaymentVerificationError(CommerceError):
    """A return or notify that fails a check: signature, app id, seller, order number, amount or fields.

    `code` says which: bad_signature, app_id_mismatch, seller_mismatch, unknown_order, amount_mismatch,
    bad_request, trade_mismatch.
    """

    code = PaymentErrorCode.PAYMENT_VERIFICATION_FAILED
    default_message = _("支付结果校验失败")


class GatewayError(CommerceError):
    """Alipay could not be reached or answered something we cannot use (worth retrying)."""

    code = PaymentErrorCode.GATEWAY_ERROR
    default_message = _("支付宝暂时无法连接，请稍后重试")
    http_status = 502


class RefundNotAllowed(ConflictError):
    code = PaymentErrorCode.REFUND_NOT_ALLOWED
    default_message = _("该订单没有可退款的支付宝支付记录")
