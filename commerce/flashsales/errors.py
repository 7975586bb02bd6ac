"""Business errors of flash sales (all `CommerceError`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from commerce.errors import CommerceError, ConflictError, NotFoundError


class SaleNotFound(NotFoundError):
    code = "sale_not_found"
    default_message = _("秒杀活动不存在")


class SaleNotStarted(ConflictError):
    code = "not_started"
    default_message = _("秒杀尚未开始，请稍候")


class SaleEnded(ConflictError):
    code = "ended"
    default_message = _("秒杀已结束")


class SoldOut(ConflictError):
    code = "sold_out"
    default_message = _("已抢光")


class LimitReached(ConflictError):
    code = "limit"
    default_message = _("您已达到本活动的限购数量")


class SalePaused(ConflictError):
    code = "paused"
    default_message = _("活动太火爆，正在恢复中，请稍后再试")
    http_status = 503


class TooManyRequests(CommerceError):
    code = "rate_limited"
    default_message = _("操作太频繁，请稍后再试")
    http_status = 429


class NoAddress(CommerceError):
    code = "no_address"
    default_message = _("请先设置默认收货地址再参加秒杀")


class BadRequestId(CommerceError):
    code = "bad_request_id"
    default_message = _("请求无效，请刷新页面后重试")
