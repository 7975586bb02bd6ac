"""Cart operations (SPEC D3, D4) over a `CartStore` (cookie or Redis), plus the two calls orders make.

Every function either does all it says or raises a `CartError` subclass having written nothing. Prices, stock
and totals always come from the database at the time of the call, as Decimal; the client only sends sku ids,
counts and selection flags.

Public surface used by other apps:
- `list_selected_lines(*, user_id)` -> the selected lines of a user's cart (sku id and count), for checkout;
- `remove_lines(*, user_id, sku_ids)` -> drop bought lines after an order is placed;
- `queue_selected_lines` + `parse_selected_lines`, `queue_remove_lines`: the same two calls as commands of the
  caller's Redis pipeline (placement shares one round trip with its token claim and another with its
  after-commit work); the key layout stays the cart's own (`commerce.cart.storage`);
- `merge_cookie_cart(*, items, user_id)` -> used by the login receiver.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from commerce.cart.errors import CartErrorCode, CartLimitExceeded, InvalidInput, NotInCart, SKUUnavailable
from commerce.cart.storage import (
    AddStatus,
    CartItem,
    CartStore,
    RedisCart,
    _to_int,
    cart_key,
    max_count_per_sku,
    max_items,
    selected_key,
)
from commerce.catalog.models import SKU

logger = logging.getLogger(__name__)

CART_IMAGE = "fill-80x80"
TWO_PLACES = Decimal("0.01")


# --- Input parsing (views call these before the services) --------------------------------------------------


def parse_sku_id(raw: object) -> int:
    """A positive integer sku id from JSON or form input, or InvalidInput."""
    if isinstance(raw, bool):
        raise InvalidInput(_("商品编号不正确"), code=CartErrorCode.INVALID_SKU)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 18:
        value = int(raw.strip())
    else:
        raise InvalidInput(_("商品编号不正确"), code=CartErrorCode.INVALID_SKU)
    if value <= 0:
        raise InvalidInput(_("商品编号不正确"), code=CartErrorCode.INVALID_SKU)
    return value


def parse_count(raw: object) -> int:
    """A count between 1 and CART_MAX_COUNT_PER_SKU, or a CartError saying which bound was missed."""
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        sign = -1 if text.startswith("-") else 1
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit():
            value = sign * int(digits[:12]) if len(digits) <= 12 else sign * 10**12
    if value is None:
        raise InvalidInput(_("购买数量必须是整数"), code=CartErrorCode.INVALID_COUNT)
    if value < 1:
        raise InvalidInput(_("购买数量至少为 1 件"), code=CartErrorCode.INVALID_COUNT)
    top = max_count_per_sku()
    if value > top:
        raise CartLimitExceeded(
            _("每件商品最多购买 %(max)s 件") % {"max": top}, code=CartErrorCode.COUNT_OVER_LIMIT, max=top
        )
    return value


def parse_selected(raw: object) -> bool:
    """True/false from JSON booleans or the strings 1/0/true/false/on/off."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in {"1", "true", "on", "yes"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"0", "false", "off", "no"}:
        return False
    raise InvalidInput(_("勾选状态不正确"), code=CartErrorCode.INVALID_SELECTED)


def parse_sku_ids(raw: object) -> list[int]:
    """A non-empty list of sku ids (a single id is accepted too); at most CART_MAX_ITEMS of them."""
    values = raw if isinstance(raw, list) else [raw]
    if not values or len(values) > max_items():
        raise InvalidInput(_("商品编号不正确"), code=CartErrorCode.INVALID_SKU)
    return list(dict.fromkeys(parse_sku_id(value) for value in values))


# --- Views of the cart -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartLine:
    """A cart line as orders sees it: which SKU and how many units."""

    sku_id: int
    count: int


@dataclass
class CartLineView:
    sku_id: int
    name: str
    caption: str
    url: str
    image_url: str
    price: Decimal
    count: int
    selected: bool
    stock: int
    is_launched: bool

    @property
    def available(self) -> bool:
        """Can be bought as it stands: launched and enough stock for the count."""
        return self.is_launched and self.stock >= self.count

    @property
    def subtotal(self) -> Decimal:
        return (self.price * self.count).quantize(TWO_PLACES)

    @property
    def problem(self) -> str:
        if not self.is_launched:
            return _("该商品已下架")
        if self.stock <= 0:
            return _("该商品暂时无货")
        if self.stock < self.count:
            return _("库存不足，仅剩 %(stock)s 件") % {"stock": self.stock}
        return ""

    def as_dict(self) -> dict:
        return {
            "sku_id": self.sku_id,
            "name": self.name,
            "caption": self.caption,
            "url": self.url,
            "image_url": self.image_url,
            "price": f"{self.price:.2f}",
            "count": self.count,
            "selected": self.selected,
            "stock": self.stock,
            "is_launched": self.is_launched,
            "available": self.available,
            "problem": self.problem,
            "subtotal": f"{self.subtotal:.2f}",
        }


@dataclass
class CartSummary:
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def total_count(self) -> int:
        """Units in the cart (the mini-cart number)."""
        return sum(line.count for line in self.lines)

    @property
    def selected_lines(self) -> list[CartLineView]:
        return [line for line in self.lines if line.selected and line.available]

    @property
    def selected_count(self) -> int:
        return sum(line.count for line in self.selected_lines)

    @property
    def selected_amount(self) -> Decimal:
        return sum((line.subtotal for line in self.selected_lines), Decimal("0.00")).quantize(TWO_PLACES)

    @property
    def all_selected(self) -> bool:
        buyable = [line for line in self.lines if line.is_launched]
        return bool(buyable) and all(line.selected for line in buyable)

    def as_dict(self) -> dict:
        return {
            "lines": [line.as_dict() for line in self.lines],
            "total_count": self.total_count,
            "selected_count": self.selected_count,
            "selected_amount": f"{self.selected_amount:.2f}",
            "all_selected": self.all_selected,
            "max_items": max_items(),
            "max_count": max_count_per_sku(),
        }


def get_cart_summary(*, cart: CartStore) -> CartSummary:
    """Every line with current name, price, stock and image; totals over selected, buyable lines.

    Lines whose SKU no longer exists are removed from the cart on the way.
    """
    items = cart.items()
    if not items:
        return CartSummary()
    images = get_image_model().objects.prefetch_renditions(CART_IMAGE)
    skus = {
        sku.pk: sku
        for sku in SKU.objects.filter(pk__in=list(items)).prefetch_related(Prefetch("default_image", queryset=images))
    }
    gone = [sku_id for sku_id in items if sku_id not in skus]
    if gone:
        cart.remove(gone)
    lines = []
    for sku_id, item in items.items():
        sku = skus.get(sku_id)
        if sku is None:
            continue
        image = sku.default_image
        lines.append(
            CartLineView(
                sku_id=sku.pk,
                name=sku.name,
                caption=sku.caption,
                url=sku.get_absolute_url(),
                image_url=image.get_rendition(CART_IMAGE).url if image else "",
                price=sku.price,
                count=item.count,
                selected=item.selected,
                stock=sku.stock,
                is_launched=sku.is_launched,
            )
        )
    return CartSummary(lines)


def count_cart_units(*, cart: CartStore) -> int:
    """The mini-cart number: units in the cart."""
    return cart.total_count()


# --- Operations ---------------------------------------------------------------------------------------------


def _sellable_sku(sku_id: int) -> SKU:
    sku = SKU.objects.filter(pk=sku_id).only("id", "name", "stock", "is_launched").first()
    if sku is None:
        raise SKUUnavailable(_("商品不存在"), code=CartErrorCode.UNKNOWN_SKU)
    if not sku.is_launched:
        raise SKUUnavailable(_("该商品已下架"), code=CartErrorCode.SKU_NOT_LAUNCHED)
    if sku.stock <= 0:
        raise SKUUnavailable(_("该商品暂时无货"), code=CartErrorCode.OUT_OF_STOCK)
    return sku


def _over_max(sku: SKU, *, in_cart: int) -> CartLimitExceeded:
    top = max_count_per_sku()
    if sku.stock < top:
        return CartLimitExceeded(
            _("库存不足：该商品仅剩 %(stock)s 件，购物车中已有 %(count)s 件") % {"stock": sku.stock, "count": in_cart},
            code=CartErrorCode.NOT_ENOUGH_STOCK,
            stock=sku.stock,
        )
    return CartLimitExceeded(
        _("每件商品最多购买 %(max)s 件，购物车中已有 %(count)s 件") % {"max": top, "count": in_cart},
        code=CartErrorCode.COUNT_OVER_LIMIT,
        max=top,
    )


def add_to_cart(*, cart: CartStore, sku_id: int, count: int) -> int:
    """Add `count` units of a launched, in-stock SKU (selected). Returns the SKU's count in the cart.

    Raises SKUUnavailable, or CartLimitExceeded when the cart already holds CART_MAX_ITEMS other SKUs or the new
    count would pass CART_MAX_COUNT_PER_SKU or the stock.
    """
    sku = _sellable_sku(sku_id)
    result = cart.add(sku.pk, count, max_count=min(max_count_per_sku(), sku.stock), max_items=max_items())
    if result.status is AddStatus.TOO_MANY_ITEMS:
        raise CartLimitExceeded(
            _("购物车最多只能放 %(max)s 种商品，请先结算或删除部分商品") % {"max": max_items()},
            code=CartErrorCode.TOO_MANY_ITEMS,
            max=max_items(),
        )
    if result.status is AddStatus.OVER_MAX_COUNT:
        raise _over_max(sku, in_cart=result.count)
    return result.count


def change_count(*, cart: CartStore, sku_id: int, count: int) -> None:
    """Set a line's count (1..min(CART_MAX_COUNT_PER_SKU, stock)); the line must be in the cart."""
    if sku_id not in cart.items():
        raise NotInCart(_("购物车中没有这件商品"))
    sku = _sellable_sku(sku_id)
    if count > sku.stock:
        raise CartLimitExceeded(
            _("库存不足：该商品仅剩 %(stock)s 件") % {"stock": sku.stock},
            code=CartErrorCode.NOT_ENOUGH_STOCK,
            stock=sku.stock,
        )
    if not cart.set_count(sku_id, count):
        raise NotInCart(_("购物车中没有这件商品"))


def set_selected(*, cart: CartStore, sku_ids: list[int], selected: bool) -> None:
    """Tick or untick lines. Every id must be in the cart; an unlaunched SKU cannot be ticked."""
    items = cart.items()
    missing = [sku_id for sku_id in sku_ids if sku_id not in items]
    if missing:
        raise NotInCart(_("购物车中没有这件商品"), sku_ids=missing)
    if selected:
        off = list(SKU.objects.filter(pk__in=sku_ids, is_launched=False).values_list("pk", flat=True))
        if off:
            raise SKUUnavailable(_("该商品已下架，不能勾选"), code=CartErrorCode.SKU_NOT_LAUNCHED, sku_ids=off)
    cart.set_selected(sku_ids, selected)


def select_all(*, cart: CartStore, selected: bool) -> None:
    """Tick every launched line, or untick every line."""
    ids = list(cart.items())
    if selected:
        ids = list(SKU.objects.filter(pk__in=ids, is_launched=True).values_list("pk", flat=True))
    cart.set_selected(ids, selected)


def remove_from_cart(*, cart: CartStore, sku_ids: list[int]) -> None:
    """Delete lines; ids that are not in the cart are ignored (deleting twice is harmless)."""
    cart.remove(sku_ids)


def merge_cookie_cart(*, items: dict[int, CartItem], user_id: int) -> int:
    """Merge an anonymous cart into the user's Redis cart at login (SPEC D4).

    For a SKU in both, the cookie's count and selection win; other Redis lines stay. New SKUs are added while
    the cart has fewer than CART_MAX_ITEMS lines. Returns how many cookie lines did not fit (logged).
    """
    skipped = RedisCart(user_id).merge(items, max_items=max_items())
    if skipped:
        logger.info("cart merge for user %s skipped %s lines: cart full", user_id, skipped)
    return skipped


# --- For orders ---------------------------------------------------------------------------------------------


def list_selected_lines(*, user_id: int) -> list[CartLine]:
    """The selected lines of the user's cart, by sku id. Stock, launch state and prices are the caller's to check."""
    return [CartLine(sku_id, item.count) for sku_id, item in RedisCart(user_id).items().items() if item.selected]


def remove_lines(*, user_id: int, sku_ids: list[int]) -> None:
    """Remove the given SKUs from the user's cart (after an order is placed). Unknown ids are ignored."""
    RedisCart(user_id).remove(list(sku_ids))


def selected_lines_by_sku(*, user_id: int) -> dict[int, int]:
    """{sku_id: count} of the user's selected cart lines, by sku id."""
    return {line.sku_id: line.count for line in list_selected_lines(user_id=user_id)}


def queue_selected_lines(pipe, *, user_id: int) -> None:
    """`selected_lines_by_sku` as commands of the caller's Redis pipeline; pass their results, in order, to
    `parse_selected_lines(*results)`."""
    pipe.hgetall(cart_key(user_id))
    pipe.smembers(selected_key(user_id))


def parse_selected_lines(counts: dict, selected: set) -> dict[int, int]:
    """{sku_id: count} of the selected lines, from the results of `queue_selected_lines`, by sku id; malformed
    entries are skipped the way `RedisCart.items` skips them."""
    chosen = {_to_int(member) for member in selected}
    lines: dict[int, int] = {}
    for raw_id, raw_count in counts.items():
        sku_id, count = _to_int(raw_id), _to_int(raw_count)
        if sku_id is None or count is None or count <= 0:
            logger.warning("ignoring malformed redis cart entry %r=%r", raw_id, raw_count)
            continue
        if sku_id in chosen:
            lines[sku_id] = count
    return dict(sorted(lines.items()))


def queue_remove_lines(pipe, *, user_id: int, sku_ids: list[int]) -> None:
    """`remove_lines` as commands of the caller's Redis pipeline."""
    if sku_ids:
        pipe.hdel(cart_key(user_id), *sku_ids)
        pipe.srem(selected_key(user_id), *sku_ids)
