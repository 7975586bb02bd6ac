"""Alipay payment: pay, return, notify, query, refund, and the offline sandbox gateway (SPEC F1-F7)."""

from django.apps import AppConfig
from django.core import checks


class PaymentsConfig(AppConfig):
    name = "commerce.payments"
    label = "payments"

    def ready(self) -> None:
        checks.register(check_alipay_keys, "payments")


def check_alipay_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check` (and so every deploy) fails when the Alipay keys cannot be loaded by the SDK."""
    from django.core.exceptions import ImproperlyConfigured

    from commerce.payments.gateway import get_client

    try:
        get_client()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="payments.E001")]
    except (ValueError, IndexError, TypeError) as error:
        return [checks.Error(f"Alipay keys cannot be loaded: {error}", id="payments.E002")]
    return []
