"""Under ASGI the view dispatch runs sync in the request's thread (config.middleware.SyncChainMiddleware, issue
14): the view, its CSRF check, exception pages and language switches behave as through Django's own async
dispatch. Django's AsyncClient drives the same async handler Daphne's ASGIHandler does."""

from __future__ import annotations

import pytest
from asgiref.sync import AsyncToSync, async_to_sync
from django.core.handlers.base import BaseHandler
from django.test import AsyncClient

from config.middleware import sync_dispatch

pytestmark = pytest.mark.django_db


def test_sync_dispatch_is_only_built_over_djangos_async_dispatch():
    assert sync_dispatch(lambda request: None) is None

    async def other(request):
        return None

    assert sync_dispatch(AsyncToSync(other)) is None


def test_a_page_a_404_and_the_csrf_check_under_asgi():
    async_to_sync(_a_page_a_404_and_the_csrf_check)()


async def _a_page_a_404_and_the_csrf_check():
    client = AsyncClient(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")

    assert (await client.get("/list/999999/")).status_code == 404
    assert (await client.post("/i18n/setlang/", {"language": "en", "next": "/cart/"})).status_code == 403
    page = await client.get("/cart/")
    assert page.status_code == 200

    token = client.cookies["csrftoken"].value
    switched = await client.post("/i18n/setlang/", {"language": "en", "next": "/cart/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert 'lang="en"' in (await client.get("/cart/")).content.decode()


def test_asgi_requests_take_the_sync_dispatch(monkeypatch):
    calls = []
    dispatch = BaseHandler._get_response

    def counted(self, request):
        calls.append(request.path)
        return dispatch(self, request)

    monkeypatch.setattr(BaseHandler, "_get_response", counted)
    client = AsyncClient(HTTP_HOST="127.0.0.1")  # a new handler: its chain is built on this first request

    assert async_to_sync(client.get)("/cart/").status_code == 200
    assert calls == ["/cart/"]
