"""Rendered pages for logged-out visitors, kept per process and keyed by everything the page shows (issue 14).

A dynamic page a logged-out visitor opens (a product page with a query string, a category list, a page the
static build has not written yet) is the same HTML for every such visitor except for a few per-request pieces:
the CSRF token and, on a product page, the flash-sale box (a countdown by server time). ``render_page`` renders
the template once with markers in those places, keeps the output split at the markers, and on later requests
joins the pieces around this request's values: no template work at all.

The view states what the page depends on in ``key``: plain values it has read anyway (the SKU's row, the
menu's version, the best sellers, the comments' version, ...). A change to any of them is a new key, so a kept
page is never staler than the fragments it is made of; entries also expire after ``PAGE_MEMO_SECONDS`` (the
fragments' bound for an edit that bypasses ``save()``) and the oldest go first past ``PAGE_MEMO_ENTRIES``.
The request's full path and language are always part of the key (the page shows both), and so are the inputs
every page's header shows, which apps register with ``register_page_input`` (catalog: the menu's version;
cms: the editor's hot search words).

Only a request that carries no session and no flash messages is served from or stored into the memo: a
logged-in shopper's page (name, logout form) and a page with a message are rendered as usual.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

CSRF = "csrf"
_TOKEN = secrets.token_hex(8)  # markers no visitor can guess or type into a page of ours
_MARKER = re.compile(rf"mhhole{_TOKEN}([a-z_]+)0")  # the digit ends the name whatever text follows

Hole = Callable[[], str]

_page_inputs: list[Callable[[], object]] = []


def register_page_input(read: Callable[[], object]) -> None:
    """Make `read()` (a plain value: see `frozen`) part of every page's key: a value the shared header shows
    (registering again is a no-op)."""
    if read not in _page_inputs:
        _page_inputs.append(read)


def frozen(value: object) -> Hashable:
    """`value` (lists, tuples and dicts of plain values) as a hashable key part."""
    if isinstance(value, dict):
        return tuple((name, frozen(item)) for name, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    return value


def marker(name: str) -> SafeString:
    """What the template is given in place of the per-request value `name` (letters only: escaping keeps it)."""
    if not re.fullmatch("[a-z_]+", name):
        raise ValueError(f"a hole's name is lower-case letters and underscores, not {name!r}")
    return mark_safe(f"mhhole{_TOKEN}{name}0")  # noqa: S308 - our own letters and underscores only


class _Memo:
    """A bounded, thread-safe map of page key -> (expiry, pieces); pieces alternate text and hole names."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, tuple[float, tuple[str, ...]]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[str, ...] | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, pieces: tuple[str, ...]) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic() + settings.PAGE_MEMO_SECONDS, pieces)
            self._pages.move_to_end(key)
            while len(self._pages) > settings.PAGE_MEMO_ENTRIES:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


memo = _Memo()


def can_share(request: HttpRequest) -> bool:
    """True when the page this request gets is the one every logged-out visitor gets: a GET or HEAD with no
    session cookie (so no login, no session messages) and no cookie-stored messages, not a static build."""
    return (
        settings.PAGE_MEMO_ENTRIES > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not getattr(request, "static_render", False)
    )


def render_page(
    request: HttpRequest,
    template_name: str,
    context: Mapping,
    *,
    key: Hashable,
    holes: Mapping[str, Hole] | None = None,
) -> HttpResponse:
    """The response for `template_name` with `context`, from the memo when `request` can share a page.

    `key` must change whenever anything the page shows changes (besides the path and language, which are added
    here). `holes` name per-request values: the context must hold ``marker(name)`` where each goes, and each
    callable gives this request's text (already safe HTML). The CSRF token is always a hole."""
    holes = {CSRF: lambda: get_token(request), **(holes or {})}
    shared = can_share(request)
    if shared:
        inputs = tuple(frozen(read()) for read in _page_inputs)
        full_key = (template_name, request.get_full_path(), get_language(), inputs, key)
    pieces = memo.get(full_key) if shared else None
    if pieces is None:
        html = render_to_string(template_name, {**context, "csrf_token": marker(CSRF)}, request=request)
        pieces = tuple(_MARKER.split(html))  # text, hole name, text, hole name, ..., text
        if shared:
            memo.put(full_key, pieces)
    filled: dict[str, str] = {}  # each hole once per request, as Django's lazy `csrf_token` is once per render
    for name in pieces[1::2]:
        if name not in filled:
            filled[name] = holes[name]()
    return HttpResponse("".join(filled[piece] if i % 2 else piece for i, piece in enumerate(pieces)))
