"""The SMS backend interface and the settings-selected instance."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


class SmsDeliveryError(Exception):
    """The provider refused or could not be reached; the Dramatiq actor retries with backoff."""


class SmsBackend:
    """Sends one verification code to one mainland mobile. Subclasses implement `send_code`."""

    def send_code(self, *, mobile: str, code: str, minutes: int, purpose: str) -> None:
        raise NotImplementedError


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
