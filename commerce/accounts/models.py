"""The user model. It exists from the first migration so AUTH_USER_MODEL never has to change."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入正确的中国大陆手机号 / Enter a valid mainland mobile number"))


class User(AbstractUser):
    """A shopper, editor or operator. `mobile` is optional (QQ or admin accounts may lack one) but unique."""

    mobile = models.CharField(
        _("手机号"), max_length=11, unique=True, null=True, blank=True, validators=[mobile_validator]
    )
    mobile_verified = models.BooleanField(_("手机号已验证"), default=False)
    email_verified = models.BooleanField(_("邮箱已验证"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def save(self, *args, **kwargs):
        if self.mobile == "":
            self.mobile = None
        super().save(*args, **kwargs)
