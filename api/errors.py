"""One error shape for every API answer: ``{"code", "message", "fields"}``.

`code` is stable (a `CommerceError` code, or a DRF/simplejwt code such as ``not_authenticated``); `message` is
in the request's language; `fields` maps input names to their messages (empty when the error is not about a
field). Anything a client can send maps here to a 4xx; only real bugs reach Django's 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from commerce.accounts.addresses import AddressError, AddressNotFound
from commerce.accounts.areas import AreaNotFound
from commerce.accounts.history import UnknownSKU
from commerce.accounts.user_center import PasswordChangeError
from commerce.catalog.search_service import SearchQueryError
from commerce.errors import CommerceError


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """DRF's nested ValidationError detail flattened to {field: [message, ...]}."""
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _field_errors(value).items():
                    fields[f"{name}.{sub}"] = messages
            else:
                fields[str(name)] = [str(item) for item in (value if isinstance(value, list) else [value])]
        return fields
    return {}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail) if detail else _("提交的信息不正确")


def _api_exception(exc: exceptions.APIException) -> Response:
    detail = exc.detail
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(detail)
        non_field = fields.pop("non_field_errors", None) or fields.pop("__all__", None)
        message = non_field[0] if non_field else _first_message(detail)
        return Response(error_body("invalid_input", message, fields), status=exc.status_code, headers=headers)
    code = exc.default_code
    message: Any = detail
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages"}
        code = str(detail.get("code") or code)
        message = detail.get("detail") or exc.default_detail
    elif isinstance(detail, exceptions.ErrorDetail) and detail.code:
        code = detail.code
    elif isinstance(detail, list):
        message = _first_message(detail)
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: business errors and DRF's own, in the one shape."""
    if isinstance(exc, CommerceError):
        field = exc.data.get("field")
        fields = {str(field): [exc.message]} if field else {}
        return Response(error_body(exc.code, exc.message, fields), status=exc.http_status)
    if isinstance(exc, AddressError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        code = status.HTTP_404_NOT_FOUND if isinstance(exc, AddressNotFound) else status.HTTP_400_BAD_REQUEST
        return Response(error_body(exc.code, exc.message, fields), status=code)
    if isinstance(exc, AreaNotFound):
        return Response(error_body("area_not_found", _("地区不存在")), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, UnknownSKU):
        message = _("商品不存在或已下架")
        return Response(error_body(exc.code, message, {"sku_id": [message]}), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SearchQueryError):
        return Response(
            error_body(f"search_{exc.code}", exc.message, {"q": [exc.message]}), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, PasswordChangeError):
        fields = {exc.field: [exc.message]} if getattr(exc, "field", None) else {}
        return Response(error_body(exc.code, exc.message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        response = _api_exception(exc)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response["WWW-Authenticate"] = 'Bearer realm="api"'
            if response.status_code == status.HTTP_403_FORBIDDEN:
                response.status_code = status.HTTP_401_UNAUTHORIZED
        return response
    return None
