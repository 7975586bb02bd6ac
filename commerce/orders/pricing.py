"""The one place that turns lines, a coupon and points into the amounts of an order (SPEC E1, E8).

The checkout page and `place_order` both call `quote()` on values read from the database, so the amount
the page shows is exactly the amount placement charges, unless something changed in between (then the
page total is stale and placement refuses).

    goods      = Σ price × count
    discount   = the coupon's reduction when goods ≥ its threshold (never more than goods)
    points cap = ⌊(goods − discount) × POINTS_MAX_RATIO × POINTS_PER_YUAN⌋, and never more than the balance
    points ¥   = points / POINTS_PER_YUAN (rounded down to the fen)
    freight    = 0 when goods ≥ the operator's free threshold (FreightRule, default 满99包邮), else its freight
    pay        = goods − discount − points ¥ + freight

The free-shipping threshold is compared with the goods amount (what the cart shows as 合计), so the product
page's "满99包邮", the cart's hint, the checkout and the placed order always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from commerce.orders.errors import CouponNotApplicable, InsufficientPoints, PointsError, PointsOverCap

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


FREIGHT_RULE_KEY = "orders:freight-rule"
FREIGHT_RULE_SECONDS = 300


@dataclass(frozen=True)
class FreightPolicy:
    """The operator's freight rule as plain values: free from `free_threshold` on, else `freight`."""

    free_threshold: Decimal
    freight: Decimal

    @property
    def always_free(self) -> bool:
        return self.freight <= ZERO or self.free_threshold <= ZERO

    def freight_for(self, goods_amount: Decimal) -> Decimal:
        """Freight of an order of goods worth `goods_amount`."""
        if self.always_free or goods_amount >= self.free_threshold:
            return ZERO
        return self.freight

    def missing_for_free(self, goods_amount: Decimal) -> Decimal:
        """How much more goods would ship free (0 when they already do)."""
        if self.always_free:
            return ZERO
        return max(ZERO, money(self.free_threshold - goods_amount))


def freight_rule() -> FreightPolicy:
    """The current freight rule (cached; commerce.orders.signals drops the cache when an operator saves it)."""
    from django.core.cache import cache

    from commerce.orders.models import FreightRule

    cached = cache.get(FREIGHT_RULE_KEY)
    if cached is not None:
        return FreightPolicy(free_threshold=Decimal(cached[0]), freight=Decimal(cached[1]))
    rule = FreightRule.objects.order_by("pk").first() or FreightRule()  # unsaved: the model's defaults
    policy = FreightPolicy(free_threshold=money(rule.free_threshold), freight=money(rule.freight))
    cache.set(FREIGHT_RULE_KEY, (str(policy.free_threshold), str(policy.freight)), FREIGHT_RULE_SECONDS)
    return policy


def forget_freight_rule() -> None:
    from django.core.cache import cache

    cache.delete(FREIGHT_RULE_KEY)


def freight(goods_amount: Decimal) -> Decimal:
    """Freight of an order of goods worth `goods_amount` under the current rule."""
    return freight_rule().freight_for(money(goods_amount))


def points_value(points: int) -> Decimal:
    """What `points` are worth in yuan, rounded down to the fen."""
    return (Decimal(int(points)) / Decimal(settings.POINTS_PER_YUAN)).quantize(CENT, rounding=ROUND_DOWN)


def points_cap(amount: Decimal, balance: int) -> int:
    """The most points one order of goods worth `amount` (after the coupon) may spend."""
    ratio = Decimal(settings.POINTS_MAX_RATIO)
    by_amount = int((amount * ratio * Decimal(settings.POINTS_PER_YUAN)).to_integral_value(rounding=ROUND_DOWN))
    return max(0, min(by_amount, int(balance)))


def points_earned(pay_amount: Decimal) -> int:
    """Points a finished order earns: POINTS_EARN_PER_YUAN per whole yuan paid."""
    return int((pay_amount * Decimal(settings.POINTS_EARN_PER_YUAN)).to_integral_value(rounding=ROUND_DOWN))


@dataclass
class PricedLine:
    sku: object  # commerce.catalog.models.SKU
    count: int

    @property
    def sku_id(self) -> int:  # like OrderLine's, so one template shows both
        return self.sku.pk

    @property
    def sku_name(self) -> str:
        return self.sku.name

    @property
    def price(self) -> Decimal:
        return money(self.sku.price)

    @property
    def subtotal(self) -> Decimal:
        return money(self.price * self.count)


@dataclass
class Quote:
    lines: list[PricedLine]
    goods_amount: Decimal
    freight: Decimal
    coupon: object | None  # the UserCoupon applied, if any
    discount: Decimal
    points_balance: int
    points_cap: int
    points: int
    points_amount: Decimal
    pay_amount: Decimal

    @property
    def total_count(self) -> int:
        return sum(line.count for line in self.lines)

    def as_dict(self) -> dict:
        return {
            "total_count": self.total_count,
            "goods_amount": f"{self.goods_amount:.2f}",
            "freight": f"{self.freight:.2f}",
            "coupon_id": getattr(self.coupon, "pk", None),
            "discount": f"{self.discount:.2f}",
            "points_balance": self.points_balance,
            "points_cap": self.points_cap,
            "points": self.points,
            "points_amount": f"{self.points_amount:.2f}",
            "pay_amount": f"{self.pay_amount:.2f}",
        }


def coupon_applies(user_coupon, *, goods_amount: Decimal, now) -> bool:
    coupon = user_coupon.coupon
    return user_coupon.used_order_id is None and coupon.is_valid_at(now) and goods_amount >= coupon.threshold


def quote(*, lines: list[PricedLine], user_coupon=None, points: int = 0, points_balance: int = 0, now) -> Quote:
    """Amounts of an order. Raises CouponNotApplicable, PointsOverCap or InsufficientPoints for bad choices."""
    goods = money(sum((line.subtotal for line in lines), ZERO))
    discount = ZERO
    if user_coupon is not None:
        if not coupon_applies(user_coupon, goods_amount=goods, now=now):
            raise CouponNotApplicable(
                _("优惠券“%(name)s”不满足使用条件或已失效，请重新选择") % {"name": user_coupon.coupon.name}
            )
        discount = min(money(user_coupon.coupon.discount), goods)
    after_coupon = goods - discount
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise PointsError(_("积分数量不正确"))
    cap_by_amount = points_cap(after_coupon, 10**12)
    if points > int(points_balance):
        raise InsufficientPoints(wanted=points, balance=int(points_balance))
    if points > cap_by_amount:
        raise PointsOverCap(wanted=points, cap=min(cap_by_amount, int(points_balance)))
    points_amount = points_value(points)
    ship = freight(goods)
    pay = money(after_coupon - points_amount + ship)
    return Quote(
        lines=lines,
        goods_amount=goods,
        freight=ship,
        coupon=user_coupon,
        discount=discount,
        points_balance=int(points_balance),
        points_cap=points_cap(after_coupon, points_balance),
        points=points,
        points_amount=points_amount,
        pay_amount=pay,
    )
