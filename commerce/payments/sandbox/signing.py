"""RSA2 (SHA256withRSA) signatures as Alipay computes them, written independently of python-alipay-sdk so
the SDK in the shop really checks a second implementation of the protocol.

- Requests (shop -> gateway): every parameter except `sign`, sorted by name, `k=v` joined with `&`.
- Return and notify (gateway -> shop): the same, but `sign_type` is left out too (Alipay's rule for
  asynchronous messages); parameters with empty values are never sent.
- Synchronous responses: the exact JSON text of the `<method>_response` object.
The signature is base64 without line breaks.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def request_content(params: Mapping[str, str]) -> str:
    """What the shop signed: all parameters but `sign`, sorted."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v not in ("", None))


def callback_content(params: Mapping[str, str]) -> str:
    """What Alipay signs for return and notify: all parameters but `sign` and `sign_type`, sorted."""
    return "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sign", "sign_type") and v not in ("", None)
    )


@lru_cache(maxsize=8)
def _private_key(pem: bytes) -> rsa.RSAPrivateKey:
    return serialization.load_pem_private_key(pem, password=None)


@lru_cache(maxsize=8)
def _public_key(pem: bytes) -> rsa.RSAPublicKey:
    return serialization.load_pem_public_key(pem)


def sign_rsa2(private_pem: bytes, content: str) -> str:
    signature = _private_key(private_pem).sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_rsa2(public_pem: bytes, content: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    try:
        _public_key(public_pem).verify(raw, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
