"""Payment and refund records (SPEC F2, F3, F6).

Payments know orders by their number only (no foreign key into the orders tables): the orders app is
reached through `commerce.orders.services`. One order has at most one payment and a payment at most one
full refund (the cancel or late-payment one); both rules are database constraints, so racing notify / query
handlers and racing operators produce one row however they interleave. A payment may also have any number of
partial refunds (`RefundTrigger.PARTIAL`, commerce.payments.refunds), never more in total than was paid: every
refund is created under a lock of the payment row.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commerce.orders.models import staff_member_field


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

    @property
    def refund(self) -> Refund | None:
        """The full refund (cancel or late payment), if any; partial ones are in `refunds` too."""
        return next((r for r in self.refunds.all() if r.trigger != RefundTrigger.PARTIAL), None)


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("退款中")
    SUCCEEDED = "succeeded", _("退款成功")
    FAILED = "failed", _("退款失败")


class RefundTrigger(models.TextChoices):
    OPERATOR = "operator", _("运营取消订单")
    LATE_PAYMENT = "late_payment", _("订单已取消后到账")
    PARTIAL = "partial", _("部分退款")


class Refund(models.Model):
    """A refund of one payment through `alipay.trade.refund` (idempotent on `out_request_no`, one per request):
    the full one (trigger operator / late_payment, at most one per payment) or a partial one (trigger partial)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("支付记录"))
    order_id = models.CharField(_("订单号"), max_length=64, db_index=True)
    out_request_no = models.CharField(_("退款请求号"), max_length=64, unique=True)
    amount = models.DecimalField(_("退款金额"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("退款原因"), max_length=100)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=RefundTrigger.choices)
    operator = staff_member_field(_("操作人"))
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
            models.UniqueConstraint(
                fields=["payment"], condition=~Q(trigger="partial"), name="payments_one_full_refund_per_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_status_display()}"

    @property
    def is_stuck(self) -> bool:
        """Pending with an error: Alipay refused or could not be reached at least once (an operator may retry)."""
        return self.status == RefundStatus.PENDING and bool(self.error)


class RefundLine(models.Model):
    """Goods returned with a partial refund: an order line (by id: payments keeps no key into orders) and how
    many of its units came back; their stock was put back when the refund was created."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines", verbose_name=_("退款记录"))
    line_id = models.PositiveBigIntegerField(_("订单商品编号"))
    sku_id = models.PositiveBigIntegerField(_("SKU编号"))
    sku_name = models.CharField(_("商品名称"), max_length=50)
    count = models.PositiveIntegerField(_("退货数量"))

    class Meta:
        ordering = ["refund_id", "line_id"]
        verbose_name = _("退货商品")
        verbose_name_plural = _("退货商品")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="payments_refund_line_count_positive"),
            models.UniqueConstraint(fields=["refund", "line_id"], name="payments_refund_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_name} × {self.count}"
