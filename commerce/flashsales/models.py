"""A flash sale (秒杀) and the shoppers' accepted presses of its 抢购 button."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SaleStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("未开始")
    RUNNING = "running", _("进行中")
    ENDED = "ended", _("已结束")


class FlashSale(models.Model):
    """`quantity` units of one SKU at `sale_price` between `starts_at` and `ends_at` (server time).

    `reserved` units are taken from the SKU's stock when the sale starts; `sold` counts units in live flash
    orders (a cancelled flash order gives its unit back while the sale runs). When the sale ends the unsold
    `reserved - sold` go back to the SKU. `sold <= reserved <= quantity` always (database constraints).
    """

    name = models.CharField(_("活动名称"), max_length=50)
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.PROTECT, related_name="flash_sales", verbose_name=_("商品SKU")
    )
    sale_price = models.DecimalField(
        _("秒杀价"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    quantity = models.PositiveIntegerField(_("秒杀数量"), validators=[MinValueValidator(1)])
    per_user_limit = models.PositiveIntegerField(_("每人限购"), default=1, validators=[MinValueValidator(1)])
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SaleStatus.choices, default=SaleStatus.SCHEDULED, editable=False
    )
    reserved = models.PositiveIntegerField(_("已锁定库存"), default=0, editable=False)
    sold = models.PositiveIntegerField(_("已售"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("秒杀活动")
        verbose_name_plural = _("秒杀活动")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="flashsales_window"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="flashsales_quantity_positive"),
            models.CheckConstraint(condition=Q(sale_price__gt=0), name="flashsales_price_positive"),
            models.CheckConstraint(condition=Q(reserved__lte=F("quantity")), name="flashsales_reserved_le_quantity"),
            models.CheckConstraint(condition=Q(sold__lte=F("reserved")), name="flashsales_never_oversold"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("结束时间必须晚于开始时间")
        if self.sku_id and self.sale_price is not None and self.sale_price > self.sku.price:
            errors["sale_price"] = _("秒杀价不能高于商品原价 ¥%(price)s") % {"price": self.sku.price}
        if self.quantity is not None and self.quantity < 1:
            errors["quantity"] = _("秒杀数量必须大于 0")
        if self.pk and self.status != SaleStatus.SCHEDULED:
            old = type(self).objects.filter(pk=self.pk).values("sku_id", "quantity", "starts_at").first()
            if old and (old["sku_id"] != self.sku_id or old["quantity"] != self.quantity):
                errors["quantity"] = _("活动已开始，不能再修改商品和数量")
        if errors:
            raise ValidationError(errors)


class EntryStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    PLACED = "placed", _("抢购成功")
    FAILED = "failed", _("未抢到")
    CANCELED = "canceled", _("订单已取消")


class FlashEntry(models.Model):
    """One accepted press of 抢购: written right after the Redis step accepted it, turned into an order by
    the worker. Unique per (sale, user, request id): a double click or a bot's repeat is one entry."""

    sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="entries", verbose_name=_("秒杀活动"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flash_entries", verbose_name=_("用户")
    )
    request_id = models.CharField(_("请求编号"), max_length=36)
    address_id = models.PositiveBigIntegerField(_("收货地址"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.QUEUED)
    order_id = models.CharField(_("订单号"), max_length=40, blank=True, db_index=True)
    message = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("抢购时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("秒杀记录")
        verbose_name_plural = _("秒杀记录")
        constraints = [
            models.UniqueConstraint(fields=["sale", "user", "request_id"], name="flashsales_one_entry_per_request"),
        ]
        indexes = [models.Index(fields=["sale", "status"], name="flashsales_entry_status")]

    def __str__(self) -> str:
        return f"{self.sale_id}/{self.user_id}/{self.request_id}"
