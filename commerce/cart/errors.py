"""Cart errors: `CommerceError`s with a stable `code` (for JSON clients and tests) and a Chinese message."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from commerce.errors import CommerceError, NotFoundError


class CartErrorCode(StrEnum):
    """Every `code` a cart error carries. The values are API-visible (JSON bodies, logs): never change one."""

    BAD_REQUEST = "bad_request"
    CART_ERROR = "cart_error"
    COUNT_OVER_LIMIT = "count_over_limit"
    INVALID_COUNT = "invalid_count"
    INVALID_INPUT = "invalid_input"
    INVALID_SELECTED = "invalid_selected"
    INVALID_SKU = "invalid_sku"
    LIMIT_EXCEEDED = "limit_exceeded"
    MISSING_COUNT = "missing_count"
    NOT_ENOUGH_STOCK = "not_enough_stock"
    NOT_IN_CART = "not_in_cart"
    OUT_OF_STOCK = "out_of_stock"
    SKU_NOT_LAUNCHED = "sku_not_launched"
    SKU_UNAVAILABLE = "sku_unavailable"
    TOO_MANY_ITEMS = "too_many_items"
    UNKNOWN_SKU = "unknown_sku"


class CartError(CommerceError):
    """A cart operation refused for a reason the shopper can act on; nothing was written."""

    code = CartErrorCode.CART_ERROR
    default_message = _("购物车操作失败，请刷新后重试")


class InvalidInput(CartError):
    """The request itself is malformed: a count that is not a positive integer, a sku id that is not a number."""

    code = CartErrorCode.INVALID_INPUT
    default_message = _("请求参数不正确")


class SKUUnavailable(CartError):
    """The SKU does not exist, is not launched or is out of stock."""

    code = CartErrorCode.SKU_UNAVAILABLE
    default_message = _("商品不存在或已下架")


class CartLimitExceeded(CartError):
    """Too many distinct items, too many units of one SKU, or more units than the stock holds."""

    code = CartErrorCode.LIMIT_EXCEEDED
    default_message = _("超出购物车限制")


class NotInCart(NotFoundError, CartError):
    code = CartErrorCode.NOT_IN_CART
    default_message = _("购物车中没有这件商品")
