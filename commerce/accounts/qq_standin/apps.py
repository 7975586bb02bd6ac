from django.apps import AppConfig


class QQStandinConfig(AppConfig):
    name = "commerce.accounts.qq_standin"
    label = "accounts_qq_standin"
    verbose_name = "QQ OAuth 模拟器"
