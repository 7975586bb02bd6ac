"""Media files (Wagtail images, renditions, documents) from the default storage, on every web process.

``config.storage_backends.BucketMediaStorage`` keeps media in the S3-compatible bucket but gives them the
shop's own URLs (``/media/<name>``) unless a CDN domain is configured (AWS_S3_CUSTOM_DOMAIN): the bucket can
stay private, pages never carry signed URLs that expire inside a cached page, and every web process answers
``/media/<name>`` with the same bytes through ``serve_media``. With a CDN in front, URLs point at the CDN and
``/media/`` is only its origin fallback.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from cms.static_serving import STORAGE_ERRORS as _STORAGE_ERRORS

logger = logging.getLogger(__name__)
MEDIA_CACHE_SECONDS = 24 * 3600
MAX_NAME_BYTES = 1024  # an S3 key's limit; longer names are "File name too long" on a disk


def _not_found() -> HttpResponse:
    """A bare 404: a missing image must stay cheap (no page template, no database)."""
    return HttpResponseNotFound("Not Found", content_type="text/plain; charset=utf-8")


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Stream ``path`` from the default storage (a folder or the bucket); 404 for anything not there."""
    name = posixpath.normpath(path).lstrip("/")
    if not name or name.startswith("..") or name == "." or len(name.encode()) > MAX_NAME_BYTES:
        return _not_found()
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, SuspiciousFileOperation, ValueError):
        return _not_found()  # ValueError: a NUL byte or another name no storage can hold
    except _STORAGE_ERRORS:
        logger.warning("media %s unreadable from the storage", name, exc_info=True)
        return _not_found()
    last_modified = getattr(getattr(handle, "obj", None), "last_modified", None)
    try:
        modified = (last_modified or default_storage.get_modified_time(name)).timestamp()
    except _STORAGE_ERRORS:
        modified = None
    if modified is not None and not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(modified)):
        handle.close()
        return HttpResponseNotModified()
    content_type, encoding = mimetypes.guess_type(name)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = f"public, max-age={MEDIA_CACHE_SECONDS}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
