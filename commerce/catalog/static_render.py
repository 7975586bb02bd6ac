"""The catalog's side of static pages (SPEC B6): how a view knows it is being rendered to a file.

The static-page builder (cms.static_page_builder) renders the shop's own views with a synthetic anonymous request
marked by ``STATIC_RENDER_ATTR``. Views skip per-visit side effects (visit counts, browsing history) for
such a request: the page's script reports the real visit instead. Templates can test ``request.static_render``
to leave per-user bits out.
"""

from __future__ import annotations

from django.http import HttpRequest

STATIC_RENDER_ATTR = "static_render"


def is_static_render(request: HttpRequest) -> bool:
    """True while the page is being rendered to a static file, not for a shopper."""
    return bool(getattr(request, STATIC_RENDER_ATTR, False))
