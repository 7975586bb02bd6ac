"""Aliyun SMS (dysmsapi 2017-05-25 SendSms) with its RPC signature: HMAC-SHA1 over the sorted,
RFC 3986-encoded query, keyed by AccessKeySecret + "&". Credentials and template from settings.SMS_ALIYUN,
which reads them from the environment (ALIYUN_SMS_*). Select with SMS_BACKEND=
"commerce.accounts.sms_backends.AliyunSmsBackend"."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from commerce.accounts.sms_backends.base import SmsBackend, SmsDeliveryError

logger = logging.getLogger(__name__)


def percent_encode(value: str) -> str:
    """Aliyun's encoding: RFC 3986 unreserved characters kept, space as %20, '*' as %2A, '~' kept."""
    return quote(str(value), safe="~")


def sign_rpc_request(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The Signature of an Aliyun RPC request whose parameters (without Signature) are `params`."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(SmsBackend):
    version = "2017-05-25"

    def __init__(self, config: dict | None = None) -> None:
        self.config = config or settings.SMS_ALIYUN
        for key in ("ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_CODE"):
            if not self.config.get(key):
                raise ImproperlyConfigured(f"SMS_ALIYUN[{key!r}] is empty: set ALIYUN_SMS_{key}")

    def build_params(self, *, mobile: str, code: str, nonce: str | None = None, timestamp: str | None = None) -> dict:
        params = {
            "AccessKeyId": self.config["ACCESS_KEY_ID"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": self.config.get("REGION_ID", "cn-hangzhou"),
            "SignName": self.config["SIGN_NAME"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.config["TEMPLATE_CODE"],
            "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.version,
        }
        params["Signature"] = sign_rpc_request(params, self.config["ACCESS_KEY_SECRET"])
        return params

    def send_code(self, *, mobile: str, code: str, minutes: int, purpose: str) -> None:
        params = self.build_params(mobile=mobile, code=code)
        try:
            response = requests.get(self.config["ENDPOINT"], params=params, timeout=10)
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SmsDeliveryError(f"Aliyun SMS unreachable: {exc}") from exc
        if body.get("Code") != "OK":
            raise SmsDeliveryError(f"Aliyun SMS refused: {body.get('Code')} {body.get('Message')}")
        logger.info("SMS (aliyun) to %s accepted, BizId %s", mobile[:3] + "****" + mobile[-4:], body.get("BizId"))
