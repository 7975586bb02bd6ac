"""Business errors of payments (all `CommerceError`, each with a stable `code`)."""

from __future__ import annotations

from commerce.errors import CommerceError, ConflictError


class PaymentNotAllowed(ConflictError):
    """The order cannot be paid online now (cash on delivery, already paid, cancelled...)."""

    code = "payment_not_allowed"
    default_message = "该订单当前无需支付"


class PaymentVerificationError(CommerceError):
    """A return or notify that fails a check: signature, app id, seller, order number, amount or fields.

    `code` says which: bad_signature, app_id_mismatch, seller_mismatch, unknown_order, amount_mismatch,
    bad_request, trade_mismatch.
    """

    code = "payment_verification_failed"
    default_message = "支付结果校验失败"


class GatewayError(CommerceError):
    """Alipay could not be reached or answered something we cannot use (worth retrying)."""

    code = "gateway_error"
    default_message = "支付宝暂时无法连接，请稍后重试"
    http_status = 502


class RefundNotAllowed(ConflictError):
    code = "refund_not_allowed"
    default_message = "该订单没有可退款的支付宝支付记录"
