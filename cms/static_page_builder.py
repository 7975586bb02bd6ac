"""Static pages (SPEC B6): the home page and every launched SKU's detail page rendered to HTML files.

Pages are rendered by the shop's own views (Wagtail's serve for "/", catalog:sku_detail for "/goods/<id>/")
for a synthetic anonymous request marked as a static render, once per language in settings.LANGUAGES, and
written through the "static_pages" Django storage (settings.STORAGES): a local folder, STATIC_PAGES_ROOT, by
default (written atomically, temp file + rename), or the S3-compatible bucket every machine shares:

    <language>/index.html
    <language>/goods/<sku_id>.html

A page the view does not answer with 200 (home page unpublished, SKU taken off sale or deleted) has its files
removed, so the web process falls back to the dynamic view. The files carry no per-user data and no CSRF
token: the page script (site/static/js/page-user.js) fills those in.

Path helpers here never touch the database: cms.static_serving uses them on every request.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.http import Http404, HttpRequest
from django.http.request import validate_host
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from commerce.catalog.static_render import STATIC_RENDER_ATTR

logger = logging.getLogger(__name__)

HOME_PATH = "/"
# The exact markup of Django's {% csrf_token %}: one visitor's token must never be baked into a shared file.
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
LOCK_SECONDS = 60


# --- Where the files live (no database) ---------------------------------------------------------------


class StaticPagesFileStorage(FileSystemStorage):
    """The local-folder page storage: always at settings.STATIC_PAGES_ROOT (read on each use, so tests can
    point it elsewhere), a page replaced atomically (temp file + rename) so a reader never sees half of it."""

    def __init__(self, **kwargs) -> None:
        kwargs.pop("location", None)
        super().__init__(**kwargs)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.STATIC_PAGES_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def _save(self, name: str, content) -> str:
        _write_atomically(Path(self.path(name)), content.read())
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # a page overwrites its previous version


def page_storage() -> Storage:
    return storages["static_pages"]


def static_root() -> Path:
    return Path(settings.STATIC_PAGES_ROOT)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def home_name(language: str) -> str:
    return f"{language}/index.html"


def sku_name(sku_id: int, language: str) -> str:
    return f"{language}/goods/{int(sku_id)}.html"


def home_file(language: str) -> Path:
    """Local path of the home page (folder storage only; use home_name with page_storage() otherwise)."""
    return static_root() / home_name(language)


def sku_file(sku_id: int, language: str) -> Path:
    """Local path of a SKU page (folder storage only; use sku_name with page_storage() otherwise)."""
    return static_root() / sku_name(sku_id, language)


def sku_path(sku_id: int) -> str:
    return reverse("catalog:sku_detail", args=[sku_id])


# --- Rendering ------------------------------------------------------------------------------------------


def _render_host() -> tuple[str, str, bool]:
    """(host, port, secure) of the synthetic request: the public site address when ALLOWED_HOSTS accepts it."""
    base = urlsplit(settings.WAGTAILADMIN_BASE_URL or "http://localhost")
    host = base.hostname or "localhost"
    allowed = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    if not validate_host(host, allowed):
        host = next((h.lstrip(".") for h in allowed if h not in ("*", "") and not h.startswith("[")), "localhost")
    secure = base.scheme == "https"
    port = str(base.port or (443 if secure else 80))
    return host, port, secure


def build_render_request(path: str, language: str) -> HttpRequest:
    """An anonymous GET for ``path`` marked as a static render: no cookies, no session row, no user."""
    host, port, secure = _render_host()
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "HTTP_HOST": host if port in ("80", "443") else f"{host}:{port}",
        "HTTP_ACCEPT_LANGUAGE": language,
        "wsgi.url_scheme": "https" if secure else "http",
    }
    if secure:
        request.META["HTTP_X_FORWARDED_PROTO"] = "https"  # as the TLS proxy (SECURE_PROXY_SSL_HEADER) sends it
    request.user = AnonymousUser()
    request.session = SessionStore()
    request.LANGUAGE_CODE = language
    setattr(request, STATIC_RENDER_ATTR, True)
    return request


def render_page(path: str, language: str) -> str | None:
    """The HTML the site's own view answers for ``path`` to an anonymous visitor, or None if not a 200."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    request = build_render_request(path, language)
    with translation.override(language):
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Http404:
            return None
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
    if response.status_code != 200:
        return None
    html = response.content.decode(response.charset or "utf-8")
    return CSRF_INPUT.sub("", html)


def _write_atomically(target: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_page(name: str, html: str) -> None:
    """Store one page; the storage replaces an existing one in one step (rename locally, one PUT on S3)."""
    storage = page_storage()
    content = ContentFile(html.encode("utf-8"), name=name)
    content.content_type = "text/html; charset=utf-8"  # S3: the object's Content-Type
    saved = storage.save(name, content)
    if saved != name:  # a storage that renames instead of overwriting would leave the old page served
        storage.delete(saved)
        raise RuntimeError(f"static page storage stored {name!r} as {saved!r}; configure it to overwrite")


def delete_page(name: str) -> None:
    page_storage().delete(name)  # no error for a missing page, locally or on S3


def _build(path: str, name_for: Callable[[str], str], lock_name: str) -> bool:
    """Render ``path`` in every language and write or remove its files. True when the page was written."""
    with cache.lock(f"lock:static-page:{lock_name}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
        written = False
        for language in languages():
            try:
                html = render_page(path, language)
            except Exception:  # a page that cannot render is served dynamically (which shows the error)
                logger.exception("static page %s (%s) failed to render; its file is removed", path, language)
                html = None
            name = name_for(language)
            if html is None:
                delete_page(name)
            else:
                write_page(name, html)
                written = True
        return written


def build_home_page() -> bool:
    """Write the home page files (or remove them when there is no live home page). Safe to run twice."""
    written = _build(HOME_PATH, home_name, "home")
    logger.info("static home page %s", "written" if written else "removed")
    return written


def build_sku_page(sku_id: int) -> bool:
    """Write SKU ``sku_id``'s detail files, or remove them when it is unlaunched or gone. Safe to run twice."""
    sku_id = int(sku_id)
    written = _build(sku_path(sku_id), lambda language: sku_name(sku_id, language), f"sku:{sku_id}")
    logger.info("static page of SKU %s %s", sku_id, "written" if written else "removed")
    return written


def remove_sku_page(sku_id: int) -> None:
    for language in languages():
        delete_page(sku_name(sku_id, language))


# --- What to rebuild ------------------------------------------------------------------------------------


def list_spu_sku_ids(spu_id: int) -> list[int]:
    from commerce.catalog.models import SKU

    return list(SKU.objects.filter(spu_id=spu_id).order_by("pk").values_list("pk", flat=True))


def build_spu_pages(spu_id: int) -> int:
    """Rebuild every SKU page of one SPU (their spec switchers show each other). Returns how many."""
    sku_ids = list_spu_sku_ids(spu_id)
    for sku_id in sku_ids:
        build_sku_page(sku_id)
    return len(sku_ids)


def _stored_sku_ids() -> set[int]:
    storage = page_storage()
    ids: set[int] = set()
    for language in languages():
        try:
            _folders, files = storage.listdir(f"{language}/goods")
        except FileNotFoundError:
            continue
        ids.update(int(name[:-5]) for name in files if name.endswith(".html") and name[:-5].isdigit())
    return ids


def build_all_pages(progress: Callable[[int, int], None] | None = None) -> int:
    """Home page plus every launched SKU; files of SKUs no longer on sale are removed. Returns pages written."""
    from commerce.catalog.models import SKU

    build_home_page()
    launched = list(SKU.objects.filter(is_launched=True).order_by("pk").values_list("pk", flat=True))
    for stale in _stored_sku_ids() - set(launched):
        remove_sku_page(stale)
    written = 0
    for done, sku_id in enumerate(launched, start=1):
        written += build_sku_page(sku_id)
        if progress:
            progress(done, len(launched))
    return written


# --- Queueing the builds ----------------------------------------------------------------------------------

PENDING_SECONDS = 120


def _pending_key(name: str) -> str:
    return f"static-pages:pending:{name}"


def enqueue_once(name: str, send: Callable[[], object]) -> None:
    """After the current transaction commits, call ``send`` unless a job named ``name`` is queued and not
    started yet (one admin save touches many rows; the page needs building once)."""

    def send_if_not_pending() -> None:
        if cache.add(_pending_key(name), 1, PENDING_SECONDS):
            send()

    transaction.on_commit(send_if_not_pending, robust=True)


def mark_started(name: str) -> None:
    """Called by the job before it reads anything: a change committed from now on queues a new job."""
    cache.delete(_pending_key(name))
