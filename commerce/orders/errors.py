"""Business errors of checkout, placement, order states, coupons and points (all `CommerceError`)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext, gettext_lazy

from commerce.errors import CommerceError, ConflictError, NotFoundError


class EmptySelection(CommerceError):
    code = "empty_selection"
    default_message = gettext_lazy("购物车中没有勾选的商品，请先选择要结算的商品")


class SKUUnavailable(CommerceError):
    """A cart line names an SKU that does not exist or is not on sale."""

    code = "sku_unavailable"

    def __init__(self, *, sku_id: int, name: str | None = None) -> None:
        label = gettext("“%(name)s”") % {"name": name} if name else gettext("编号 %(id)s 的商品") % {"id": sku_id}
        super().__init__(gettext("%(label)s已下架或不存在，请从购物车中删除后再结算") % {"label": label}, sku_id=sku_id)
        self.sku_id = sku_id


class InsufficientStock(ConflictError):
    """Fewer units left than the shopper wants; the message names the item."""

    code = "insufficient_stock"

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
    code = "invalid_count"
    default_message = gettext_lazy("商品数量不正确")


class AddressNotFound(NotFoundError):
    code = "address_not_found"
    default_message = gettext_lazy("收货地址不存在，请重新选择收货地址")


class InvalidPayMethod(CommerceError):
    code = "invalid_pay_method"
    default_message = gettext_lazy("请选择正确的支付方式")


class StaleTotal(ConflictError):
    """The amount the page showed is not what the server computes now (prices, coupon or points changed)."""

    code = "stale_total"

    def __init__(self, *, expected: Decimal, actual: Decimal) -> None:
        super().__init__(
            gettext("订单金额已变化（页面显示 ¥%(expected)s，当前应付 ¥%(actual)s），请刷新页面确认后重新提交")
            % {"expected": expected, "actual": actual},
            expected=str(expected),
            actual=str(actual),
        )


class OrderTokenInvalid(ConflictError):
    code = "token_invalid"
    default_message = gettext_lazy("订单页面已过期，请刷新页面后重新提交")


class OrderInProgress(ConflictError):
    code = "order_in_progress"
    default_message = gettext_lazy("订单正在提交中，请稍候到“我的订单”查看")


class OrderNotFound(NotFoundError):
    code = "order_not_found"
    default_message = gettext_lazy("订单不存在")


class OrderStateError(ConflictError):
    """A transition the state machine refuses (illegal, or the order moved on first)."""

    code = "order_state"
    default_message = gettext_lazy("订单状态已变化，无法执行该操作")


class CouponError(CommerceError):
    code = "coupon_error"
    default_message = gettext_lazy("优惠券不可用")


class CouponNotFound(NotFoundError):
    code = "coupon_not_found"
    default_message = gettext_lazy("优惠券不存在")


class CouponExpired(CouponError):
    code = "coupon_expired"
    default_message = gettext_lazy("优惠券不在有效期内")


class CouponSoldOut(CouponError):
    code = "coupon_sold_out"
    default_message = gettext_lazy("优惠券已被领完")


class CouponAlreadyClaimed(CouponError):
    code = "coupon_already_claimed"
    default_message = gettext_lazy("您已经领取过这张优惠券")


class CouponNotApplicable(CouponError):
    code = "coupon_not_applicable"
    default_message = gettext_lazy("该优惠券不可用于本订单")


class PointsError(CommerceError):
    code = "points_error"
    default_message = gettext_lazy("积分不可用")


class InsufficientPoints(PointsError):
    code = "insufficient_points"

    def __init__(self, *, wanted: int, balance: int) -> None:
        super().__init__(
            gettext("积分不足：本次使用 %(wanted)s 积分，账户仅有 %(balance)s 积分")
            % {"wanted": wanted, "balance": balance},
            wanted=wanted,
            balance=balance,
        )


class PointsOverCap(PointsError):
    code = "points_over_cap"

    def __init__(self, *, wanted: int, cap: int) -> None:
        super().__init__(
            gettext("本单最多可使用 %(cap)s 积分（您填写了 %(wanted)s 积分）") % {"cap": cap, "wanted": wanted},
            wanted=wanted,
            cap=cap,
        )


class InvalidShipment(CommerceError):
    code = "invalid_shipment"
    default_message = gettext_lazy("快递公司或运单号不正确")


class InvalidOrderNote(CommerceError):
    code = "invalid_note"
    default_message = gettext_lazy("备注不能为空，且不超过 300 字")
