"""Serve the pre-rendered home and SKU detail pages (SPEC B6) without touching the database.

``StaticPageMiddleware`` sits right after WhiteNoise, before sessions and authentication. For a GET or HEAD
of ``/`` or ``/goods/<id>/`` with no query string (only ``utm_*`` tracking parameters are tolerated), it
answers with the file cms.static_pages wrote for the visitor's language. Anything else, or a missing file,
goes on to the dynamic views: previews, ``?page=``, POSTs and pages not built yet are never served stale.
Wagtail renders a preview or "view draft" through a fake request (``request.is_dummy``) that passes through
the whole middleware chain for the page's own URL (``/``): that one is never answered from the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date
from django.views.static import was_modified_since

from cms.static_pages import home_file, sku_file
from config.locale import language_for

SKU_PATH = re.compile(r"^/goods/(?P<sku_id>[1-9]\d{0,17})/$")
HEADER_SOURCE = "X-Static-Page"


def static_file_for(request: HttpRequest) -> Path | None:
    """The file that may answer this request (it may not exist yet), or None if it must be dynamic."""
    if request.method not in ("GET", "HEAD"):
        return None
    if getattr(request, "is_dummy", False) or getattr(request, "is_preview", False):
        return None  # Wagtail's preview / "view draft" request runs this middleware too: show the draft
    if request.GET and not all(key.startswith("utm_") for key in request.GET):
        return None
    language = language_for(request)
    if request.path_info == "/":
        return home_file(language)
    match = SKU_PATH.match(request.path_info)
    if match:
        return sku_file(int(match["sku_id"]), language)
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

    def _serve(self, request: HttpRequest, path: Path) -> HttpResponse | None:
        request.get_host()  # DisallowedHost for a forged Host header, as CommonMiddleware would raise
        try:
            stat = path.stat()
            if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
                response: HttpResponse = HttpResponseNotModified()
            else:
                response = HttpResponse(path.read_bytes(), content_type="text/html; charset=utf-8")
        except FileNotFoundError:
            return None
        language = path.relative_to(Path(settings.STATIC_PAGES_ROOT)).parts[0]
        response["Last-Modified"] = http_date(stat.st_mtime)
        response["Content-Language"] = language
        response["Vary"] = "Cookie"
        response["Cache-Control"] = "no-cache"
        response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
        response[HEADER_SOURCE] = "1"
        return response
