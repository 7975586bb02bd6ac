"""Serve the pre-rendered home and SKU detail pages (SPEC B6) without touching the database.

``StaticPageMiddleware`` sits right after WhiteNoise, before sessions and authentication. For a GET or HEAD
of ``/`` or ``/goods/<id>/`` with no query string (only ``utm_*`` tracking parameters are tolerated), it
answers with the page cms.static_page_builder stored for the visitor's language. Anything else, or a missing page,
goes on to the dynamic views: previews, ``?page=``, POSTs and pages not built yet are never served stale.
Wagtail renders a preview or "view draft" through a fake request (``request.is_dummy``) that passes through
the whole middleware chain for the page's own URL (``/``): that one is never answered from the file.

Pages are read through the "static_pages" storage (a local folder, or the shared S3 bucket), never by
redirecting to the bucket: the page's URL stays the shop's, the language choice, ``Vary``, 304 answers and
the fallback to the dynamic view for a missing page keep working, and the bucket can stay private.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date
from django.views.static import was_modified_since

from cms.static_page_builder import home_name, page_storage, sku_name
from config.locale import language_for

try:
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - botocore is pinned in requirements.txt
    STORAGE_ERRORS = (OSError,)

logger = logging.getLogger(__name__)
SKU_PATH = re.compile(r"^/goods/(?P<sku_id>[1-9]\d{0,17})/$")
HEADER_SOURCE = "X-Static-Page"


def static_file_for(request: HttpRequest) -> str | None:
    """The stored page that may answer this request (it may not exist yet), or None if it must be dynamic."""
    if request.method not in ("GET", "HEAD"):
        return None
    if getattr(request, "is_dummy", False) or getattr(request, "is_preview", False):
        return None  # Wagtail's preview / "view draft" request runs this middleware too: show the draft
    if request.GET and not all(key.startswith("utm_") for key in request.GET):
        return None
    language = language_for(request)
    if request.path_info == "/":
        return home_name(language)
    match = SKU_PATH.match(request.path_info)
    if match:
        return sku_name(int(match["sku_id"]), language)
    return None


class StaticPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = static_file_for(request)
        if path is not None:
            response = self._serve(request, path)
            if response is not None:
                return response
        return self.get_response(request)

    def _serve(self, request: HttpRequest, name: str) -> HttpResponse | None:
        request.get_host()  # DisallowedHost for a forged Host header, as CommonMiddleware would raise
        storage = page_storage()
        try:
            with storage.open(name, "rb") as page:
                # S3: open() already fetched the object's metadata (HEAD); a folder: one stat.
                last_modified = getattr(getattr(page, "obj", None), "last_modified", None)
                modified = (last_modified or storage.get_modified_time(name)).timestamp()
                if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(modified)):
                    response: HttpResponse = HttpResponseNotModified()
                else:
                    response = HttpResponse(page.read(), content_type="text/html; charset=utf-8")
        except FileNotFoundError:  # not built yet: the dynamic view answers
            return None
        except STORAGE_ERRORS:  # the bucket is unreachable: the dynamic view still answers
            logger.warning("static page %s unreadable; serving it dynamically", name, exc_info=True)
            return None
        language = name.split("/", 1)[0]
        response["Last-Modified"] = http_date(modified)
        response["Content-Language"] = language
        response["Vary"] = "Cookie"
        response["Cache-Control"] = "no-cache"
        response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
        response[HEADER_SOURCE] = "1"
        return response
