"""What every API view shares: the request's language and parsing a JSON body through the same Django forms
the HTML views use (the error answers of the schema are added by api.schema.ApiAutoSchema)."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.views import APIView


class ApiView(APIView):
    """APIView answering in the request's language: the site's language cookie when set, else the app's
    Accept-Language, else Chinese."""

    def initialize_request(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return super().initialize_request(request, *args, **kwargs)


class UserView(ApiView):
    permission_classes = [permissions.IsAuthenticated]


def body(request) -> dict:
    """The request body as a dict (a JSON array or scalar is refused as invalid input)."""
    data = request.data
    if not hasattr(data, "get") or not hasattr(data, "keys"):
        raise exceptions.ValidationError({"non_field_errors": [_("请求格式不正确")]})
    return data


def clean_form(form: forms.Form) -> dict:
    """The form's cleaned data, or a ValidationError carrying every field's messages."""
    if not form.is_valid():
        raise exceptions.ValidationError({name: list(errs) for name, errs in form.errors.items()})
    return form.cleaned_data


class NotFoundView(ApiView):
    """Anything under /api/v1/ that names no endpoint: a JSON 404 (never the site's HTML page or its CSRF 403)."""

    schema = None  # not an endpoint of the schema

    def _refuse(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    get = post = put = patch = delete = head = options = _refuse
