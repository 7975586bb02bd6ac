"""Links editors type (promotion slots, carousel, news, channel pages): only http(s) URLs or local paths.

Anything else (``javascript:``, ``data:``, ``vbscript:``, protocol-relative ``//evil.example``) would run
script or leave the shop from a page every shopper sees. The validator refuses it in the admin form; the
``safe_href`` template filter (commerce.catalog.templatetags.shop) drops it at render time as well, for rows
saved before the rule existed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def is_safe_link(value: str | None) -> bool:
    """True for ``http://``/``https://`` URLs with a host, and for local paths (``/goods/1/``, ``?page=2``)."""
    if not value:
        return True
    text = str(value).strip()
    if _CONTROL.search(text) or "\\" in text:
        return False  # browsers strip tabs/newlines inside schemes ("java\tscript:") and read \ as /
    parts = urlsplit(text)
    if parts.scheme:
        return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    if text.startswith("//"):
        return False  # protocol-relative: another site
    return not parts.netloc


def validate_link(value: str | None) -> None:
    if not is_safe_link(value):
        raise ValidationError(
            _("链接只能是以 http:// 或 https:// 开头的网址，或以 / 开头的站内地址"), code="unsafe_link"
        )
