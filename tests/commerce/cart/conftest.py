"""Helpers for cart tests: signed cookies as the shop writes them, and JSON posts."""

from __future__ import annotations

import json

import pytest
from django.core import signing

from commerce.cart.storage import COOKIE_SALT


def signed_cookie(data: object) -> str:
    """A cookie value signed exactly like the shop signs it (any payload, well-formed or not)."""
    return signing.dumps(data, salt=COOKIE_SALT, compress=True)


class JsonClient:
    def __init__(self, client):
        self.client = client

    def post(self, url: str, data: object):
        return self.client.post(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT="application/json")

    def get(self, url: str):
        return self.client.get(url, HTTP_ACCEPT="application/json")


@pytest.fixture
def api(client):
    return JsonClient(client)
