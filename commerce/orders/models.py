"""Orders, their lines and comments, coupons and points (SPEC E1-E8).

Money is Decimal CNY with 2 places. An order copies everything the shopper saw at placement (address,
SKU names and prices) so later edits of addresses or the catalog never rewrite history. Status changes go
through `commerce.orders.states.transition` only; counters (stock, coupon issue count, points balance)
only change through conditional UPDATEs in the services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

money = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


def staff_member_field(verbose_name) -> models.ForeignKey:
    """Who did something to a row (an operator, a replier): optional, no reverse accessor on the user, and the
    row stays when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=verbose_name,
    )


class OrderStatus(models.TextChoices):
    """Names say what the order waits for; the stored values are the original ones ("unsend"...) and never change."""

    UNPAID = "unpaid", _("待支付")
    TO_SHIP = "unsend", _("待发货")
    TO_RECEIVE = "unreceived", _("待收货")
    TO_REVIEW = "uncomment", _("待评价")
    FINISHED = "finished", _("已完成")
    CANCELED = "canceled", _("已取消")


class PayMethod(models.TextChoices):
    CASH = "cash", _("货到付款")
    ALIPAY = "alipay", _("支付宝")


class Carrier(models.TextChoices):
    """Express companies an operator ships with (the shopper sees the name and the tracking number)."""

    SF = "sf", _("顺丰速运")
    ZTO = "zto", _("中通快递")
    YTO = "yto", _("圆通速递")
    STO = "sto", _("申通快递")
    YUNDA = "yunda", _("韵达快递")
    JD = "jd", _("京东物流")
    EMS = "ems", _("中国邮政 EMS")
    OTHER = "other", _("其他")


class Order(models.Model):
    """One placed order (订单). `order_id` is the shopper-visible number: local time + user id + digits."""

    order_id = models.CharField(_("订单号"), max_length=40, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("下单用户")
    )
    address = models.ForeignKey(
        "accounts.Address",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("收货地址"),
    )
    receiver = models.CharField(_("收货人"), max_length=20)
    full_address = models.CharField(_("收货地址"), max_length=200)
    mobile = models.CharField(_("联系电话"), max_length=11)
    total_count = models.PositiveIntegerField(_("商品总数"), default=0)
    total_amount = models.DecimalField(_("商品总金额"), **money)
    freight = models.DecimalField(_("运费"), **money)
    discount = models.DecimalField(_("优惠券抵扣"), **money)
    points_used = models.PositiveIntegerField(_("使用积分"), default=0)
    points_amount = models.DecimalField(_("积分抵扣"), **money)
    pay_amount = models.DecimalField(_("实付金额"), **money)
    pay_method = models.CharField(_("支付方式"), max_length=10, choices=PayMethod.choices)
    status = models.CharField(_("订单状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.UNPAID)
    token = models.CharField(_("下单令牌"), max_length=64, blank=True, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("下单时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    canceled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    carrier = models.CharField(_("快递公司"), max_length=20, choices=Carrier.choices, blank=True)
    tracking_no = models.CharField(_("运单号"), max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-order_id"]
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="orders_user_recent"),
            models.Index(fields=["status", "created_at"], name="orders_status_created"),
        ]
        constraints = [
            # E2 backstop: one order per checkout token, whatever Redis says.
            models.UniqueConstraint(fields=["user", "token"], condition=~Q(token=""), name="orders_one_per_token"),
            models.CheckConstraint(condition=Q(pay_amount__gte=0), name="orders_pay_amount_not_negative"),
        ]
        # Operators' actions in the Wagtail admin (SPEC I); orders are never added, edited or deleted there.
        permissions = [
            ("ship_order", _("可以发货")),
            ("cancel_order", _("可以取消订单（已支付的同时原路退款）")),
            ("view_dashboard", _("可以查看运营概况")),
            ("add_order_note", _("可以添加订单备注")),
            ("view_customer", _("可以查看顾客")),
            ("manage_customer", _("可以停用、启用顾客和调整积分")),
        ]

    def __str__(self) -> str:
        return self.order_id

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.order_id])

    @property
    def goods_amount_after_discounts(self) -> Decimal:
        return self.total_amount - self.discount - self.points_amount


class OrderEventKind(models.TextChoices):
    STATUS = "status", _("状态变更")
    PAYMENT = "payment", _("支付")
    REFUND = "refund", _("退款")
    SHIPMENT = "shipment", _("发货")
    NOTE = "note", _("运营备注")


class OrderEvent(models.Model):
    """One line of an order's timeline: a state change, a payment, a refund, a shipment or an operator's note,
    with who did it (None: the shopper's own page, the system or a worker) and when. Written in the same
    transaction as what it records, never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("订单"))
    kind = models.CharField(_("类型"), max_length=10, choices=OrderEventKind.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=OrderStatus.choices, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    actor = staff_member_field(_("操作人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("订单动态")
        verbose_name_plural = _("订单动态")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class OrderLine(models.Model):
    """One SKU of an order, with the name and unit price the shopper saw when placing it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("订单"))
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("商品"))
    sku_name = models.CharField(_("商品名称"), max_length=50)
    price = models.DecimalField(_("单价"), max_digits=10, decimal_places=2)
    count = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    is_commented = models.BooleanField(_("已评价"), default=False)

    class Meta:
        ordering = ["order_id", "sku_id"]
        verbose_name = _("订单商品")
        verbose_name_plural = _("订单商品")
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="orders_line_one_per_sku"),
            models.CheckConstraint(condition=Q(count__gte=1), name="orders_line_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_name} × {self.count}"

    @property
    def subtotal(self) -> Decimal:
        return self.price * self.count


class Comment(models.Model):
    """A shopper's review of one order line (E7): score 1-5, 5-200 characters, optionally anonymous."""

    order_line = models.OneToOneField(
        OrderLine, on_delete=models.CASCADE, related_name="comment", verbose_name=_("订单商品")
    )
    sku = models.ForeignKey(
        "catalog.SKU", on_delete=models.CASCADE, related_name="order_comments", verbose_name=_("商品")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="order_comments", verbose_name=_("评价用户")
    )
    score = models.PositiveSmallIntegerField(_("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    content = models.CharField(_("评价内容"), max_length=200)
    is_anonymous = models.BooleanField(_("匿名评价"), default=False)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)
    # Moderation (SPEC I): a hidden comment leaves the product page and its counter; the shop's reply shows under it.
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    reply = models.CharField(_("商家回复"), max_length=200, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = staff_member_field(_("回复人"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("商品评价")
        verbose_name_plural = _("商品评价")
        permissions = [("moderate_comment", _("可以隐藏和回复商品评价"))]
        indexes = [models.Index(fields=["sku", "-created_at"], name="orders_comment_sku_recent")]
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="orders_comment_score_1_5")]

    def __str__(self) -> str:
        return f"{self.sku_id} ★{self.score}"


class Coupon(models.Model):
    """A full-reduction coupon (满 threshold 减 discount) with a validity window and a limited quantity."""

    name = models.CharField(_("名称"), max_length=50)
    threshold = models.DecimalField(_("满（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    discount = models.DecimalField(
        _("减（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    total = models.PositiveIntegerField(_("发放总量"))
    issued = models.PositiveIntegerField(_("已领取"), default=0, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        constraints = [
            models.CheckConstraint(condition=Q(issued__lte=models.F("total")), name="orders_coupon_never_over_issued"),
            models.CheckConstraint(condition=Q(discount__gt=0), name="orders_coupon_discount_positive"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="orders_coupon_window"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> int:
        return max(self.total - self.issued, 0)

    def is_valid_at(self, when) -> bool:
        return self.is_active and self.valid_from <= when < self.valid_until


class UserCoupon(models.Model):
    """A coupon claimed by a shopper; `used_order` is set when an order spends it (one coupon per order)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons", verbose_name=_("用户")
    )
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="claims", verbose_name=_("优惠券"))
    claimed_at = models.DateTimeField(_("领取时间"), auto_now_add=True)
    used_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("使用订单")
    )
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        verbose_name = _("用户优惠券")
        verbose_name_plural = _("用户优惠券")
        constraints = [
            models.UniqueConstraint(fields=["user", "coupon"], name="orders_coupon_one_claim_per_user"),
            models.UniqueConstraint(
                fields=["used_order"], condition=Q(used_order__isnull=False), name="orders_one_coupon_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.coupon}"


class PointsAccount(models.Model):
    """A shopper's points balance. Only changed by conditional UPDATEs that also write a ledger row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="points_account",
        verbose_name=_("用户"),
    )
    balance = models.PositiveIntegerField(_("积分余额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="orders_points_not_negative")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class PointsReason(models.TextChoices):
    EARN_ORDER = "earn_order", _("订单完成奖励")
    SPEND_ORDER = "spend_order", _("下单抵扣")
    REFUND_ORDER = "refund_order", _("订单取消退还")
    ADJUST = "adjust", _("人工调整")


class PointsLedger(models.Model):
    """Every change of a points balance: + earned / refunded, - spent, with the balance after it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_ledger", verbose_name=_("用户")
    )
    delta = models.IntegerField(_("积分变动"))
    reason = models.CharField(_("原因"), max_length=20, choices=PointsReason.choices)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="points_entries", verbose_name=_("订单")
    )
    note = models.CharField(_("备注"), max_length=100, blank=True)
    balance_after = models.PositiveIntegerField(_("变动后余额"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        constraints = [
            # Earning, spending and refunding happen at most once per order, whatever the callers do.
            models.UniqueConstraint(
                fields=["order", "reason"], condition=Q(order__isnull=False), name="orders_points_once_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.delta:+d} ({self.reason})"


def default_freight() -> Decimal:
    """The freight charged below the threshold until an operator sets one: settings.ORDER_FREIGHT (¥10)."""
    return Decimal(settings.ORDER_FREIGHT).quantize(Decimal("0.01"))


@register_setting(icon="tag")
class FreightRule(BaseGenericSetting):
    """The shop's one freight rule (SPEC E1), set by an operator in Wagtail's settings menu: an order whose goods
    amount reaches `free_threshold` ships free, any other order pays `freight`. commerce.orders.pricing reads
    it for the product page claim, the cart, the checkout and placement alike."""

    free_threshold = models.DecimalField(
        _("包邮门槛（元）"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("99.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("商品金额达到此数即免运费；填 0 表示全场包邮"),
    )
    freight = models.DecimalField(
        _("运费（元）"),
        max_digits=12,
        decimal_places=2,
        default=default_freight,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("未达包邮门槛的订单收取的运费"),
    )

    class Meta:
        verbose_name = _("运费规则")
        verbose_name_plural = _("运费规则")

    def __str__(self) -> str:
        return str(_("运费规则"))
