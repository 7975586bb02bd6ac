"""Cart errors: `CommerceError`s with a stable `code` (for JSON clients and tests) and a Chinese message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from commerce.errors import CommerceError, NotFoundError


class CartError(CommerceError):
    """A cart operation refused for a reason the shopper can act on; nothing was written."""

    code = "cart_error"
    default_message = _("购物车操作失败，请刷新后重试")


class InvalidInput(CartError):
    """The request itself is malformed: a count that is not a positive integer, a sku id that is not a number."""

    code = "invalid_input"
    default_message = _("请求参数不正确")


class SKUUnavailable(CartError):
    """The SKU does not exist, is not launched or is out of stock."""

    code = "sku_unavailable"
    default_message = _("商品不存在或已下架")


class CartLimitExceeded(CartError):
    """Too many distinct items, too many units of one SKU, or more units than the stock holds."""

    code = "limit_exceeded"
    default_message = _("超出购物车限制")


class NotInCart(NotFoundError, CartError):
    code = "not_in_cart"
    default_message = _("购物车中没有这件商品")
