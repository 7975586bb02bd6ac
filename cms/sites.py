"""The Wagtail Site answering a request, kept per process (issue 14).

Wagtail looks the Site up with a query for every page it serves (an annotated, ordered query whose
compilation alone was about a fifth of the dynamic home page's CPU). Sites change about never, so
`KnownSiteMiddleware` hands Wagtail's page view (``wagtail.views.serve``) the Site it found last time for the
same host and port, under a version token kept in Redis (one GET, only for Wagtail's pages): saving or deleting
a Site, or a page that is a Site's root, replaces the token (`forget_sites`, after commit), and every process
looks again on its next page. Wagtail reads the Site from ``request._wagtail_site``, where its own
``Site.find_for_request`` would have kept it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from wagtail import views as wagtail_views
from wagtail.models import Site

from config.redis_outage import OUTAGE_TYPES

SITES_VERSION_KEY = "cms:sites:version"
MAX_KNOWN = 64  # (version, host, port) entries; a stale or odd host never grows the map past this

_known: dict[tuple[str, str, int | str], Site | None] = {}


def sites_version() -> str:
    """A token replaced whenever a Site or a Site's root page changes (one Redis GET)."""
    version = cache.get(SITES_VERSION_KEY)
    if version is None:
        cache.add(SITES_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(SITES_VERSION_KEY)
    return version


def site_for_request(request: HttpRequest) -> Site | None:
    """What ``Site.find_for_request`` answers, from this process's memory while the sites' version holds."""
    key = (sites_version(), split_domain_port(request._get_raw_host())[0], request.get_port())
    try:
        return _known[key]
    except KeyError:
        pass
    site = Site._find_for_request(request)
    if len(_known) >= MAX_KNOWN:
        _known.clear()
    _known[key] = site
    return site


def forget_sites() -> None:
    cache.delete(SITES_VERSION_KEY)


class KnownSiteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs) -> None:
        if view_func is wagtail_views.serve and not hasattr(request, "_wagtail_site"):
            try:
                request._wagtail_site = site_for_request(request)
            except OUTAGE_TYPES:  # Redis down: Wagtail looks the Site up itself, and the page's own Redis
                pass  # reads raise in the view, where config.redis_outage answers 503 (not here, as a 500)
