from django.apps import AppConfig


class QQProviderConfig(AppConfig):
    """Installed so allauth's provider registry finds commerce.accounts.qq.provider."""

    name = "commerce.accounts.qq"
    label = "accounts_qq"
    verbose_name = "QQ 登录"
