"""The business-error base every app raises and every entry point maps to a response.

A `CommerceError` is an expected outcome a client can cause (not enough stock, a stale page, a foreign
id): it carries a stable machine `code`, a Chinese `message` fit to show the shopper, and optional `data`
for the view or the JSON answer. Views turn it into a message or a 4xx JSON body; it is never a 500.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class CommerceError(Exception):
    """Base of all business errors. Subclasses set `code`, `default_message` and `http_status`."""

    code: str = "commerce_error"
    default_message: str = _("操作失败，请稍后重试")
    http_status: int = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, **data: Any) -> None:
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.data = data
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        """The JSON body views answer with: {"ok": false, "code": ..., "message": ..., **data}."""
        body: dict[str, Any] = {"ok": False, "code": self.code, "message": self.message}
        body.update({k: v for k, v in self.data.items() if isinstance(v, str | int | float | bool | None)})
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class NotFoundError(CommerceError):
    """Something the client named does not exist or does not belong to them (the two look the same)."""

    code = "not_found"
    default_message = _("请求的内容不存在")
    http_status = 404


class ConflictError(CommerceError):
    """The request was valid but the world changed under it (state, stock, a stale page)."""

    code = "conflict"
    default_message = _("数据已变化，请刷新页面后重试")
    http_status = 409


class TooManyRequestsError(CommerceError):
    """The client asks too often (per minute, per day ...): answered 429, try again later."""

    code = "rate_limited"
    default_message = _("操作太频繁，请稍后再试")
    http_status = 429
