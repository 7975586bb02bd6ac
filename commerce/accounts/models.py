"""The user model (it exists from the first migration so AUTH_USER_MODEL never has to change), the
administrative areas of mainland China (A9) and shoppers' delivery addresses (A8)."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("请输入正确的中国大陆手机号 / Enter a valid mainland mobile number")
)


class User(AbstractUser):
    """A shopper, editor or operator. `mobile` is optional (QQ or admin accounts may lack one) but unique."""

    mobile = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[mobile_validator]
    )
    mobile_verified = models.BooleanField(_("手机号已验证"), default=False)
    email_verified = models.BooleanField(_("邮箱已验证"), default=False)
    default_address = models.ForeignKey(
        "accounts.Address",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("默认收货地址"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def save(self, *args, **kwargs):
        if self.mobile == "":
            self.mobile = None
        super().save(*args, **kwargs)


tel_validator = RegexValidator(
    r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$", _("请输入正确的固定电话，例如 010-12345678 / Enter a valid landline number")
)


class Area(models.Model):
    """A province (no parent), prefecture-level city or district. The primary key is the official statistical
    code (11 = 北京市, 1101, 110101, ...), so ids are stable across databases and data reloads."""

    id = models.PositiveIntegerField(_("行政区划代码"), primary_key=True)
    name = models.CharField(_("名称"), max_length=20)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subs", verbose_name=_("上级行政区划")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """A delivery address of one user. Deleting only hides it (is_deleted) so past orders keep theirs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("用户"))
    title = models.CharField(_("地址名称"), max_length=20)
    receiver = models.CharField(_("收货人"), max_length=20)
    province = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("省"))
    city = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("市"))
    district = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区县"))
    place = models.CharField(_("详细地址"), max_length=100)
    mobile = models.CharField(_("手机号"), max_length=11, validators=[mobile_validator])
    tel = models.CharField(_("固定电话"), max_length=20, blank=True, validators=[tel_validator])
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)
    is_deleted = models.BooleanField(_("已删除"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "is_deleted"], name="accounts_address_user_live")]
        verbose_name = _("收货地址")
        verbose_name_plural = _("收货地址")

    def __str__(self) -> str:
        return f"{self.receiver} {self.full_region} {self.place}"

    @property
    def full_region(self) -> str:
        """省 市 区 as one string, the way shoppers read an address."""
        return f"{self.province.name} {self.city.name} {self.district.name}"
