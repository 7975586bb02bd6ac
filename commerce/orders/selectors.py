"""Reads shared by the order views and services: what is being bought, the checkout, my orders, coupons,
points. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from commerce.accounts.addresses import list_addresses
from commerce.cart.services import selected_lines_by_sku
from commerce.catalog.models import SKU
from commerce.orders.errors import (
    CouponNotApplicable,
    EmptySelection,
    InvalidCount,
    OrderNotFound,
    SKUUnavailable,
)
from commerce.orders.models import (
    Coupon,
    Order,
    OrderLine,
    OrderStatus,
    PayMethod,
    PointsAccount,
    PointsLedger,
    UserCoupon,
)
from commerce.orders.pricing import PricedLine, Quote, coupon_applies, points_cap, quote


def load_priced_lines(*, user_id: int) -> list[PricedLine]:
    """The selected cart lines with their SKUs from the database, in SKU id order.

    Raises EmptySelection, SKUUnavailable (unknown or withdrawn SKU, named) or InvalidCount.
    """
    return price_lines(selected_lines_by_sku(user_id=user_id), load_skus=_skus_for_the_page)


def _skus_for_the_page(sku_ids: list[int]) -> dict[int, SKU]:
    # Model instances: the checkout page links each line (get_absolute_url) and shows its image.
    # The image and its thumbnail rendition come in two more queries, not two per line.
    return SKU.objects.select_related("default_image").prefetch_related("default_image__renditions").in_bulk(sku_ids)


def price_lines(wanted: dict[int, int], *, load_skus: Callable[[list[int]], dict]) -> list[PricedLine]:
    """{sku_id: count} -> PricedLines in SKU id order, with SKUs from `load_skus(ids)` ({id: sku}; anything
    with pk, name, price and is_launched). The checks checkout and placement share.

    Raises EmptySelection, SKUUnavailable (unknown or withdrawn SKU, named) or InvalidCount.
    """
    if not wanted:
        raise EmptySelection()
    skus = load_skus(list(wanted))
    lines: list[PricedLine] = []
    for sku_id in sorted(wanted):
        count = wanted[sku_id]
        sku = skus.get(sku_id)
        if sku is None:
            raise SKUUnavailable(sku_id=sku_id)
        if not sku.is_launched:
            raise SKUUnavailable(sku_id=sku_id, name=sku.name)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidCount(f"“{sku.name}”的购买数量不正确，请回到购物车修改")
        lines.append(PricedLine(sku=sku, count=count))
    return lines


def get_points_balance(*, user_id: int) -> int:
    return PointsAccount.objects.filter(user_id=user_id).values_list("balance", flat=True).first() or 0


def list_usable_coupons(*, user_id: int, goods_amount, now=None) -> list[UserCoupon]:
    """Claimed, unused coupons valid now whose threshold the goods amount meets; biggest saving first."""
    now = now or timezone.now()
    candidates = UserCoupon.objects.select_related("coupon").filter(
        user_id=user_id,
        used_order__isnull=True,
        coupon__is_active=True,
        coupon__valid_from__lte=now,
        coupon__valid_until__gt=now,
        coupon__threshold__lte=goods_amount,
    )
    usable = [uc for uc in candidates if coupon_applies(uc, goods_amount=goods_amount, now=now)]
    usable.sort(key=lambda uc: (-min(uc.coupon.discount, goods_amount), uc.coupon.valid_until, uc.pk))
    return usable


@dataclass
class Checkout:
    """Everything the settlement page shows; every amount computed here, on the server."""

    addresses: list
    quote: Quote
    coupons: list[UserCoupon]
    pay_methods: list[tuple[str, str]] = field(default_factory=lambda: list(PayMethod.choices))

    @property
    def default_address(self):
        return self.addresses[0] if self.addresses else None


def build_checkout(*, user, coupon_id: int | None = None, auto_coupon: bool = False, points: int = 0) -> Checkout:
    """The checkout for the user's selected cart lines.

    `auto_coupon` picks the best usable coupon; otherwise `coupon_id` (a UserCoupon id, or None for none).
    Points beyond the cap or the balance are lowered to the most allowed (the page is a preview; placement
    is strict). Raises EmptySelection, SKUUnavailable, InvalidCount, CouponNotApplicable.
    """
    now = timezone.now()
    lines = load_priced_lines(user_id=user.pk)
    goods = sum((line.subtotal for line in lines), 0)
    coupons = list_usable_coupons(user_id=user.pk, goods_amount=goods, now=now)
    chosen = None
    if auto_coupon:
        chosen = coupons[0] if coupons else None
    elif coupon_id:
        chosen = next((uc for uc in coupons if uc.pk == coupon_id), None)
        if chosen is None:
            raise CouponNotApplicable("所选优惠券不可用于本订单，请重新选择")
    balance = get_points_balance(user_id=user.pk)
    discount = min(chosen.coupon.discount, goods) if chosen else 0
    points = max(0, min(int(points), points_cap(goods - discount, balance)))
    amounts = quote(lines=lines, user_coupon=chosen, points=points, points_balance=balance, now=now)
    return Checkout(addresses=list_addresses(user=user), quote=amounts, coupons=coupons)


# --- My orders ---------------------------------------------------------------------------------------------------


def list_orders(*, user, status: str | None = None) -> QuerySet[Order]:
    """The user's orders, newest first, lines and their SKUs prefetched; optionally one status only."""
    queryset = Order.objects.filter(user_id=user.pk).prefetch_related(
        Prefetch(
            "lines",
            queryset=OrderLine.objects.select_related("sku", "sku__default_image").prefetch_related(
                "sku__default_image__renditions"  # the thumbnails, without one query per line
            ),
        )
    )
    if status in OrderStatus.values:
        queryset = queryset.filter(status=status)
    return queryset


def get_order_for_user(*, user, order_id: str) -> Order:
    """One of the user's orders; anything else (unknown, malformed, someone else's) is OrderNotFound."""
    if not isinstance(order_id, str) or not order_id.isdigit() or len(order_id) > 40:
        raise OrderNotFound()
    order = list_orders(user=user).filter(pk=order_id).first()
    if order is None:
        raise OrderNotFound()
    return order


# --- Coupons and points ----------------------------------------------------------------------------------------


def list_claimable_coupons(*, now=None) -> QuerySet[Coupon]:
    now = now or timezone.now()
    return Coupon.objects.filter(is_active=True, valid_from__lte=now, valid_until__gt=now)


def list_user_coupons(*, user) -> QuerySet[UserCoupon]:
    return UserCoupon.objects.filter(user_id=user.pk).select_related("coupon", "used_order")


def list_points_ledger(*, user) -> QuerySet[PointsLedger]:
    return PointsLedger.objects.filter(user_id=user.pk).select_related("order")
