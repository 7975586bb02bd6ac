"""Business errors of checkout, placement, order states, coupons and points (all `CommerceError`)."""

from __future__ import annotations

from decimal import Decimal

from commerce.errors import CommerceError, ConflictError, NotFoundError


class EmptySelection(CommerceError):
    code = "empty_selection"
    default_message = "购物车中没有勾选的商品，请先选择要结算的商品"


class SKUUnavailable(CommerceError):
    """A cart line names an SKU that does not exist or is not on sale."""

    code = "sku_unavailable"

    def __init__(self, *, sku_id: int, name: str | None = None) -> None:
        label = f"“{name}”" if name else f"编号 {sku_id} 的商品"
        super().__init__(f"{label}已下架或不存在，请从购物车中删除后再结算", sku_id=sku_id)
        self.sku_id = sku_id


class InsufficientStock(ConflictError):
    """Fewer units left than the shopper wants; the message names the item."""

    code = "insufficient_stock"

    def __init__(self, sku, wanted: int, left: int) -> None:
        self.sku, self.wanted, self.left = sku, wanted, left
        super().__init__(
            f"“{sku.name}”库存不足：您要购买 {wanted} 件，仅剩 {left} 件",
            sku_id=sku.pk,
            wanted=wanted,
            left=left,
        )


class InvalidCount(CommerceError):
    code = "invalid_count"
    default_message = "商品数量不正确"


class AddressNotFound(NotFoundError):
    code = "address_not_found"
    default_message = "收货地址不存在，请重新选择收货地址"


class InvalidPayMethod(CommerceError):
    code = "invalid_pay_method"
    default_message = "请选择正确的支付方式"


class StaleTotal(ConflictError):
    """The amount the page showed is not what the server computes now (prices, coupon or points changed)."""

    code = "stale_total"

    def __init__(self, *, expected: Decimal, actual: Decimal) -> None:
        super().__init__(
            f"订单金额已变化（页面显示 ¥{expected}，当前应付 ¥{actual}），请刷新页面确认后重新提交",
            expected=str(expected),
            actual=str(actual),
        )


class OrderTokenInvalid(ConflictError):
    code = "token_invalid"
    default_message = "订单页面已过期，请刷新页面后重新提交"


class OrderInProgress(ConflictError):
    code = "order_in_progress"
    default_message = "订单正在提交中，请稍候到“我的订单”查看"


class OrderNotFound(NotFoundError):
    code = "order_not_found"
    default_message = "订单不存在"


class OrderStateError(ConflictError):
    """A transition the state machine refuses (illegal, or the order moved on first)."""

    code = "order_state"
    default_message = "订单状态已变化，无法执行该操作"


class CouponError(CommerceError):
    code = "coupon_error"
    default_message = "优惠券不可用"


class CouponNotFound(NotFoundError):
    code = "coupon_not_found"
    default_message = "优惠券不存在"


class CouponExpired(CouponError):
    code = "coupon_expired"
    default_message = "优惠券不在有效期内"


class CouponSoldOut(CouponError):
    code = "coupon_sold_out"
    default_message = "优惠券已被领完"


class CouponAlreadyClaimed(CouponError):
    code = "coupon_already_claimed"
    default_message = "您已经领取过这张优惠券"


class CouponNotApplicable(CouponError):
    code = "coupon_not_applicable"
    default_message = "该优惠券不可用于本订单"


class PointsError(CommerceError):
    code = "points_error"
    default_message = "积分不可用"


class InsufficientPoints(PointsError):
    code = "insufficient_points"

    def __init__(self, *, wanted: int, balance: int) -> None:
        super().__init__(f"积分不足：本次使用 {wanted} 积分，账户仅有 {balance} 积分", wanted=wanted, balance=balance)


class PointsOverCap(PointsError):
    code = "points_over_cap"

    def __init__(self, *, wanted: int, cap: int) -> None:
        super().__init__(f"本单最多可使用 {cap} 积分（您填写了 {wanted} 积分）", wanted=wanted, cap=cap)
