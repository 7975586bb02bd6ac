"""Pluggable SMS backends (SPEC A3). settings.SMS_BACKEND names the class by dotted path:
OutboxBackend (default: logs and keeps messages in a Redis list the tests read) or AliyunSmsBackend."""

from commerce.accounts.sms_backends.aliyun import AliyunSmsBackend
from commerce.accounts.sms_backends.base import SmsBackend, SmsDeliveryError, get_sms_backend
from commerce.accounts.sms_backends.outbox import OutboxBackend, read_outbox

__all__ = ["AliyunSmsBackend", "OutboxBackend", "SmsBackend", "SmsDeliveryError", "get_sms_backend", "read_outbox"]
