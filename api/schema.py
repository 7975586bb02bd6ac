"""drf-spectacular hooks and the schema class of /api/v1/.

The schema describes /api/v1/ only (Wagtail's admin API is not ours to publish). `ApiAutoSchema` documents the
error answers an operation gives because of how it is built, so that a view's ``extend_schema`` only names the
answers of its own business rules (``errors(404, 409)``):

- 400 ``invalid_input``: the operation reads a body (malformed JSON, a wrong shape);
- 401: the view authenticates (no token where a login is needed, or a bad or expired one, which is refused
  even where no login is needed);
- 404: the path has parameters (a value the route's converter refuses falls to the JSON catch-all), or the
  list is paged (a page past the end);
- 406: every operation (an ``Accept`` that names no JSON);
- 415: the operation reads a body (a content type other than JSON or a form);
- 429: the view is throttled;
- 503: every operation (Redis unreachable: throttles, carts and sessions live there; config/redis_outage.py).

Every answer but the 503 has the one error shape ``{"code", "message", "fields"}`` (api/errors.py).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from api.serializers import ErrorSerializer

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="invalid input or a refused business rule"),
    401: OpenApiResponse(ErrorSerializer, description="no, bad or expired access token"),
    403: OpenApiResponse(ErrorSerializer, description="not allowed"),
    404: OpenApiResponse(ErrorSerializer, description="unknown, not yours, or a page past the end"),
    406: OpenApiResponse(ErrorSerializer, description="the Accept header names no JSON"),
    409: OpenApiResponse(ErrorSerializer, description="conflict: stock, state or a stale page"),
    415: OpenApiResponse(ErrorSerializer, description="the body is neither JSON nor a form"),
    429: OpenApiResponse(ErrorSerializer, description="throttled (see Retry-After), or a rate limit of the service"),
}


class OutageSerializer(serializers.Serializer):
    """config/redis_outage.py's JSON answer, shared with the site's JSON endpoints."""

    ok = serializers.BooleanField()
    code = serializers.CharField()
    message = serializers.CharField()


OUTAGE = OpenApiResponse(OutageSerializer, description="Redis unreachable; try again after Retry-After")


def errors(*codes: int) -> dict:
    """The error answers of a view's own business rules, for ``extend_schema(responses=...)``."""
    return {code: ERRORS[code] for code in codes}


def only_api_v1(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class ApiAutoSchema(AutoSchema):
    """AutoSchema adding the error answers the view's authentication, permissions, throttles, paging, path
    and body imply (see the module docstring) to those ``extend_schema`` names."""

    def implied_errors(self) -> dict:
        view, codes = self.view, set()
        reads_body = self.method in BODY_METHODS and self.get_request_serializer() is not None
        if reads_body:
            codes |= {400, 415}
        if view.get_authenticators():
            codes.add(401)
        if "{" in self.path or self._is_paged_list():
            codes.add(404)
        if view.get_throttles():
            codes.add(429)
        codes.add(406)
        return {code: ERRORS[code] for code in sorted(codes)}

    def _is_paged_list(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        implied = {**self.implied_errors(), 503: OUTAGE}
        for code, response in implied.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return dict(sorted(responses.items()))
