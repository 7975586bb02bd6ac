"""Business errors of flash sales (all `CommerceError`)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from commerce.errors import CommerceError, ConflictError, NotFoundError, TooManyRequestsError


class FlashSaleErrorCode(StrEnum):
    """Every `code` a flashsales error carries. The values are API-visible (JSON bodies, logs): never change one."""

    BAD_REQUEST_ID = "bad_request_id"
    ENDED = "ended"
    LIMIT = "limit"
    NO_ADDRESS = "no_address"
    NOT_STARTED = "not_started"
    PAUSED = "paused"
    RATE_LIMITED = "rate_limited"
    SALE_NOT_FOUND = "sale_not_found"
    SOLD_OUT = "sold_out"


class SaleNotFound(NotFoundError):
    code = FlashSaleErrorCode.SALE_NOT_FOUND
    default_message = _("秒杀活动不存在")


class SaleNotStarted(ConflictError):
    code = FlashSaleErrorCode.NOT_STARTED
    default_message = _("秒杀尚未开始，请稍候")


class SaleEnded(ConflictError):
    code = FlashSaleErrorCode.ENDED
    default_message = _("秒杀已结束")


class SoldOut(ConflictError):
    code = FlashSaleErrorCode.SOLD_OUT
    default_message = _("已抢光")


class LimitReached(ConflictError):
    code = FlashSaleErrorCode.LIMIT
    default_message = _("您已达到本活动的限购数量")


class SalePaused(ConflictError):
    code = FlashSaleErrorCode.PAUSED
    default_message = _("活动太火爆，正在恢复中，请稍后再试")
    http_status = 503


class TooManyRequests(TooManyRequestsError):
    code = FlashSaleErrorCode.RATE_LIMITED


class NoAddress(CommerceError):
    code = FlashSaleErrorCode.NO_ADDRESS
    default_message = _("请先设置默认收货地址再参加秒杀")


class BadRequestId(CommerceError):
    code = FlashSaleErrorCode.BAD_REQUEST_ID
    default_message = _("请求无效，请刷新页面后重试")
