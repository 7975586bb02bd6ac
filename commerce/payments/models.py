"""Payment and refund records (SPEC F2, F3, F6).

Payments know orders by their number only (no foreign key into the orders tables): the orders app is
reached through `commerce.orders.services`. One order has at most one payment and a payment at most one
(full) refund; both rules are database constraints, so racing notify / query handlers and racing
operators produce one row however they interleave.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("已支付")
    REFUNDING = "refunding", _("退款中")
    REFUNDED = "refunded", _("已退款")


class PaymentSource(models.TextChoices):
    NOTIFY = "notify", _("异步通知")
    QUERY = "query", _("主动查询")


class Payment(models.Model):
    """A successful Alipay trade for one order, as Alipay reported it (verified)."""

    order_id = models.CharField(_("订单号"), max_length=64)
    trade_no = models.CharField(_("支付宝交易号"), max_length=64)
    amount = models.DecimalField(_("支付金额"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    source = models.CharField(_("确认方式"), max_length=10, choices=PaymentSource.choices)
    buyer_id = models.CharField(_("买家支付宝用户号"), max_length=32, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    raw = models.JSONField(_("支付宝原始报文"), default=dict, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("支付记录")
        verbose_name_plural = _("支付记录")
        constraints = [
            models.UniqueConstraint(fields=["order_id"], name="payments_one_per_order"),
            models.UniqueConstraint(fields=["trade_no"], name="payments_trade_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="payments_amount_positive"),
        ]
        permissions = [("refund_payment", _("可以取消已支付订单并退款"))]

    def __str__(self) -> str:
        return f"{self.order_id} / {self.trade_no}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("退款中")
    SUCCEEDED = "succeeded", _("退款成功")
    FAILED = "failed", _("退款失败")


class RefundTrigger(models.TextChoices):
    OPERATOR = "operator", _("运营取消订单")
    LATE_PAYMENT = "late_payment", _("订单已取消后到账")


class Refund(models.Model):
    """A full refund of one payment through `alipay.trade.refund` (idempotent on `out_request_no`)."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund", verbose_name=_("支付记录"))
    order_id = models.CharField(_("订单号"), max_length=64, db_index=True)
    out_request_no = models.CharField(_("退款请求号"), max_length=64, unique=True)
    amount = models.DecimalField(_("退款金额"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("退款原因"), max_length=100)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=RefundTrigger.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    attempts = models.PositiveIntegerField(_("请求次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=200, blank=True)
    last_tried_at = models.DateTimeField(_("最近请求时间"), null=True, blank=True)
    next_try_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    response = models.JSONField(_("支付宝应答"), default=dict, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("退款记录")
        verbose_name_plural = _("退款记录")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="payments_refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_status_display()}"

    @property
    def is_stuck(self) -> bool:
        """Pending with an error: Alipay refused or could not be reached at least once (an operator may retry)."""
        return self.status == RefundStatus.PENDING and bool(self.error)
