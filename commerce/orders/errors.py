"""Business errors of checkout, placement, order states, coupons and points (all `CommerceError`)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext, gettext_lazy

from commerce.errors import CommerceError, ConflictError, NotFoundError


class OrderErrorCode(StrEnum):
    """Every `code` a orders error carries. The values are API-visible (JSON bodies, logs): never change one."""

    ADDRESS_NOT_FOUND = "address_not_found"
    ALREADY_COMMENTED = "already_commented"
    AMOUNT_MISMATCH = "amount_mismatch"
    BAD_REQUEST = "bad_request"
    COMMENT_NOT_ALLOWED = "comment_not_allowed"
    COMMENT_NOT_FOUND = "comment_not_found"
    COUPON_ALREADY_CLAIMED = "coupon_already_claimed"
    COUPON_ERROR = "coupon_error"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_NOT_FOUND = "coupon_not_found"
    COUPON_SOLD_OUT = "coupon_sold_out"
    EMPTY_SELECTION = "empty_selection"
    ILLEGAL_TRANSITION = "illegal_transition"
    INSUFFICIENT_POINTS = "insufficient_points"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_ANONYMOUS = "invalid_anonymous"
    INVALID_CARRIER = "invalid_carrier"
    INVALID_COMMENT = "invalid_comment"
    INVALID_CONTENT = "invalid_content"
    INVALID_COUNT = "invalid_count"
    INVALID_INPUT = "invalid_input"
    INVALID_NOTE = "invalid_note"
    INVALID_PAY_METHOD = "invalid_pay_method"
    INVALID_SCORE = "invalid_score"
    INVALID_SHIPMENT = "invalid_shipment"
    INVALID_TRACKING_NO = "invalid_tracking_no"
    ORDER_IN_PROGRESS = "order_in_progress"
    ORDER_LINE_NOT_FOUND = "order_line_not_found"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_STATE = "order_state"
    POINTS_ERROR = "points_error"
    POINTS_OVER_CAP = "points_over_cap"
    REFUND_UNAVAILABLE = "refund_unavailable"
    SKU_UNAVAILABLE = "sku_unavailable"
    STALE_TOTAL = "stale_total"
    STATE_CHANGED = "state_changed"
    TOKEN_INVALID = "token_invalid"


# Codes of a coupon or points choice the shopper can change on the checkout page itself.
COUPON_AND_POINTS_CODES = frozenset(
    {
        OrderErrorCode.COUPON_ERROR,
        OrderErrorCode.COUPON_NOT_FOUND,
        OrderErrorCode.COUPON_EXPIRED,
        OrderErrorCode.COUPON_SOLD_OUT,
        OrderErrorCode.COUPON_ALREADY_CLAIMED,
        OrderErrorCode.COUPON_NOT_APPLICABLE,
        OrderErrorCode.POINTS_ERROR,
        OrderErrorCode.INSUFFICIENT_POINTS,
        OrderErrorCode.POINTS_OVER_CAP,
    }
)


class EmptySelection(CommerceError):
    code = OrderErrorCode.EMPTY_SELECTION
    default_message = gettext_lazy("购物车中没有勾选的商品，请先选择要结算的商品")


class SKUUnavailable(CommerceError):
    """A cart line names an SKU that does not exist or is not on sale."""

    code = OrderErrorCode.SKU_UNAVAILABLE

    def __init__(self, *, sku_id: int, name: str | None = None) -> None:
        label = gettext("“%(name)s”") % {"name": name} if name else gettext("编号 %(id)s 的商品") % {"id": sku_id}
        super().__init__(gettext("%(label)s已下架或不存在，请从购物车中删除后再结算") % {"label": label}, sku_id=sku_id)
        self.sku_id = sku_id


class InsufficientStock(ConflictError):
    """Fewer units left than the shopper wants; the message names the item."""

    code = OrderErrorCode.INSUFFICIENT_STOCK

    def __init__(self, sku, wanted: int, left: int) -> None:
        self.sku, self.wanted, self.left = sku, wanted, left
        super().__init__(
            gettext("“%(name)s”库存不足：您要购买 %(wanted)s 件，仅剩 %(left)s 件")
            % {"name": sku.name, "wanted": wanted, "left": left},
            sku_id=sku.pk,
            wanted=wanted,
            left=left,
        )


class InvalidCount(CommerceError):
    code = OrderErrorCode.INVALID_COUNT
    default_message = gettext_lazy("商品数量不正确")


class AddressNotFound(NotFoundError):
    code = OrderErrorCode.ADDRESS_NOT_FOUND
    default_message = gettext_lazy("收货地址不存在，请重新选择收货地址")


class InvalidPayMethod(CommerceError):
    code = OrderErrorCode.INVALID_PAY_METHOD
    default_message = gettext_lazy("请选择正确的支付方式")


class StaleTotal(ConflictError):
    """The amount the page showed is not what the server computes now (prices, coupon or points changed)."""

    code = OrderErrorCode.STALE_TOTAL

    def __init__(self, *, expected: Decimal, actual: Decimal) -> None:
        super().__init__(
            gettext("订单金额已变化（页面显示 ¥%(expected)s，当前应付 ¥%(actual)s），请刷新页面确认后重新提交")
            % {"expected": expected, "actual": actual},
            expected=str(expected),
            actual=str(actual),
        )


class OrderTokenInvalid(ConflictError):
    code = OrderErrorCode.TOKEN_INVALID
    default_message = gettext_lazy("订单页面已过期，请刷新页面后重新提交")


class OrderInProgress(ConflictError):
    code = OrderErrorCode.ORDER_IN_PROGRESS
    default_message = gettext_lazy("订单正在提交中，请稍候到“我的订单”查看")


class OrderNotFound(NotFoundError):
    code = OrderErrorCode.ORDER_NOT_FOUND
    default_message = gettext_lazy("订单不存在")


class OrderStateError(ConflictError):
    """A transition the state machine refuses (illegal, or the order moved on first)."""

    code = OrderErrorCode.ORDER_STATE
    default_message = gettext_lazy("订单状态已变化，无法执行该操作")


class CouponError(CommerceError):
    code = OrderErrorCode.COUPON_ERROR
    default_message = gettext_lazy("优惠券不可用")


class CouponNotFound(NotFoundError):
    code = OrderErrorCode.COUPON_NOT_FOUND
    default_message = gettext_lazy("优惠券不存在")


class CouponExpired(CouponError):
    code = OrderErrorCode.COUPON_EXPIRED
    default_message = gettext_lazy("优惠券不在有效期内")


class CouponSoldOut(CouponError):
    code = OrderErrorCode.COUPON_SOLD_OUT
    default_message = gettext_lazy("优惠券已被领完")


class CouponAlreadyClaimed(CouponError):
    code = OrderErrorCode.COUPON_ALREADY_CLAIMED
    default_message = gettext_lazy("您已经领取过这张优惠券")


class CouponNotApplicable(CouponError):
    code = OrderErrorCode.COUPON_NOT_APPLICABLE
    default_message = gettext_lazy("该优惠券不可用于本订单")


class PointsError(CommerceError):
    code = OrderErrorCode.POINTS_ERROR
    default_message = gettext_lazy("积分不可用")


class InsufficientPoints(PointsError):
    code = OrderErrorCode.INSUFFICIENT_POINTS

    def __init__(self, *, wanted: int, balance: int) -> None:
        super().__init__(
            gettext("积分不足：本次使用 %(wanted)s 积分，账户仅有 %(balance)s 积分")
            % {"wanted": wanted, "balance": balance},
            wanted=wanted,
            balance=balance,
        )


class PointsOverCap(PointsError):
    code = OrderErrorCode.POINTS_OVER_CAP

    def __init__(self, *, wanted: int, cap: int) -> None:
        super().__init__(
            gettext("本单最多可使用 %(cap)s 积分（您填写了 %(wanted)s 积分）") % {"cap": cap, "wanted": wanted},
            wanted=wanted,
            cap=cap,
        )


class InvalidShipment(CommerceError):
    code = OrderErrorCode.INVALID_SHIPMENT
    default_message = gettext_lazy("快递公司或运单号不正确")


class InvalidOrderNote(CommerceError):
    code = OrderErrorCode.INVALID_NOTE
    default_message = gettext_lazy("备注不能为空，且不超过 300 字")
