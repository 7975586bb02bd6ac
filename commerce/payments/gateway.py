"""The Alipay adapter: the one place python-alipay-sdk is configured and called (SPEC F1-F4, F6).

Everything the shop says to Alipay or checks from it goes through here, whether ALIPAY_GATEWAY is
production Alipay, Alipay's own sandbox or our offline sandbox (commerce.payments.sandbox): the SDK signs
the requests and verifies the answers the same way in every case.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urljoin

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from Cryptodome.PublicKey import RSA
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.translation import gettext as _

from commerce.payments.errors import GatewayError, PaymentErrorCode

logger = logging.getLogger(__name__)

SUCCESS_CODE = "10000"


@dataclass(frozen=True)
class AlipaySettings:
    app_id: str
    app_private_key: str
    alipay_public_key: str
    gateway: str
    timeout: int


def _pem(name: str, *, private: bool) -> str:
    """The key named by setting `name` (PEM text, or bare base64 DER as Alipay's console shows it) or the
    file named by `<name>_FILE`, as PEM text. Raises ImproperlyConfigured when neither is usable."""
    text = str(getattr(settings, name, "") or "").strip().replace("\\n", "\n")
    path = str(getattr(settings, f"{name}_FILE", "") or "").strip()
    if not text and path:
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {error}") from error
    if not text:
        raise ImproperlyConfigured(f"Set {name} (PEM text) or {name}_FILE")
    if "-----BEGIN" in text:
        return text
    try:
        key = RSA.import_key(base64.b64decode("".join(text.split()), validate=True))
    except (binascii.Error, ValueError, IndexError, TypeError) as error:
        raise ImproperlyConfigured(f"{name} is neither PEM nor base64 DER: {error}") from error
    if private and not key.has_private():
        raise ImproperlyConfigured(f"{name} must be a private key")
    return key.export_key(format="PEM").decode("ascii")


def current_settings() -> AlipaySettings:
    return AlipaySettings(
        app_id=str(settings.ALIPAY_APP_ID),
        app_private_key=_pem("ALIPAY_APP_PRIVATE_KEY", private=True),
        alipay_public_key=_pem("ALIPAY_PUBLIC_KEY", private=False),
        gateway=server_gateway_url(),
        timeout=int(settings.ALIPAY_TIMEOUT_SECONDS),
    )


def server_gateway_url() -> str:
    """The gateway for server-to-server calls (query, refund): absolute, even when configured as a path."""
    gateway = str(settings.ALIPAY_GATEWAY or "")
    if not gateway:
        raise ImproperlyConfigured("Set ALIPAY_GATEWAY")
    if gateway.startswith("/"):
        return urljoin(str(getattr(settings, "ALIPAY_SANDBOX_SITE_URL", "")), gateway)
    return gateway


def browser_gateway_url(request: HttpRequest) -> str:
    """The gateway the shopper's browser is sent to: a configured path is on the host the shopper is on."""
    gateway = str(settings.ALIPAY_GATEWAY or "")
    if gateway.startswith("/"):
        return request.build_absolute_uri(gateway)
    return server_gateway_url()


@lru_cache(maxsize=4)
def _client(config: AlipaySettings) -> AliPay:
    client = AliPay(
        appid=config.app_id,
        app_notify_url=None,
        app_private_key_string=config.app_private_key,
        alipay_public_key_string=config.alipay_public_key,
        sign_type="RSA2",
        config=AliPayConfig(timeout=config.timeout),
    )
    # python-alipay-sdk chooses its gateway only through `debug` (Alipay's hosted sandbox or production) and
    # has no public attribute for it, while its server calls (`verified_sync_response`: trade query, refund)
    # read `self._gateway`. Setting it here, where every client is built, is what lets ALIPAY_GATEWAY point
    # the unchanged SDK at production Alipay or at the offline sandbox. (Page pay only returns the signed
    # query string; we append it to the gateway ourselves in `page_pay_url`.)
    client._gateway = config.gateway
    return client


def get_client() -> AliPay:
    """The SDK client for the current settings (rebuilt when they change, e.g. in tests)."""
    return _client(current_settings())


def page_pay_url(
    *,
    request: HttpRequest,
    order_id: str,
    subject: str,
    amount: Decimal,
    return_url: str,
    notify_url: str,
    timeout_minutes: int | None = None,
) -> str:
    """The URL that takes the shopper's browser to Alipay's cashier for this order (alipay.trade.page.pay)."""
    extra: dict[str, Any] = {}
    if timeout_minutes:
        extra["timeout_express"] = f"{max(1, int(timeout_minutes))}m"
    query = get_client().api_alipay_trade_page_pay(
        subject=subject[:256],
        out_trade_no=order_id,
        total_amount=f"{amount:.2f}",
        return_url=return_url,
        notify_url=notify_url,
        **extra,
    )
    return f"{browser_gateway_url(request)}?{query}"


def verify_signature(params: dict[str, str]) -> bool:
    """True when `params` (a return or notify) carry a valid Alipay RSA2 signature of all the other values."""
    data = dict(params)
    signature = data.pop("sign", "")
    if not signature or data.get("sign_type", "RSA2") != "RSA2":
        return False
    try:
        return bool(get_client().verify(data, signature))
    except (AliPayException, ValueError, TypeError, binascii.Error):
        return False


def _call(name: str, method, **kwargs) -> dict[str, Any]:
    try:
        response = method(**kwargs)
    except AliPayValidationError as error:
        raise GatewayError(
            _("支付宝应答签名无效（%(method)s）") % {"method": name}, code=PaymentErrorCode.GATEWAY_BAD_SIGNATURE
        ) from error
    except AliPayException as error:
        raise GatewayError(
            _("支付宝拒绝了请求（%(method)s）：%(error)s") % {"method": name, "error": error},
            code=PaymentErrorCode.GATEWAY_REFUSED,
        ) from error
    except (URLError, OSError, json.JSONDecodeError, ValueError) as error:
        raise GatewayError(_("无法连接支付宝（%(method)s）：%(error)s") % {"method": name, "error": error}) from error
    if not isinstance(response, dict):
        raise GatewayError(_("支付宝应答格式错误（%(method)s）") % {"method": name})
    return response


def query_trade(*, order_id: str) -> dict[str, Any]:
    """`alipay.trade.query` by our order number; the verified response object (any `code`).

    Raises GatewayError when Alipay cannot be reached or its answer does not verify.
    """
    client = get_client()
    return _call("alipay.trade.query", client.api_alipay_trade_query, out_trade_no=order_id)


def refund_trade(*, order_id: str, amount: Decimal, out_request_no: str, reason: str) -> dict[str, Any]:
    """`alipay.trade.refund` of `amount` for our order number, idempotent on `out_request_no`.

    Returns the verified response object (any `code`); raises GatewayError when unreachable or unverifiable.
    """
    client = get_client()
    return _call(
        "alipay.trade.refund",
        client.api_alipay_trade_refund,
        refund_amount=f"{amount:.2f}",
        out_trade_no=order_id,
        out_request_no=out_request_no,
        refund_reason=reason[:100],
    )
