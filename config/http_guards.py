"""Small guards so odd requests get a 4xx, never a 500 (SPEC J), also under DEBUG (`make run` is DEBUG).

- `CommonMiddleware`: Django's, except that a POST/PUT/PATCH/DELETE to a URL missing its trailing slash is
  not redirected (a redirect loses the body; under DEBUG Django raises RuntimeError instead, a 500). The
  URL resolver then answers 404 like for any unknown address.
- `serve_media`: ``django.views.static.serve`` for DEBUG/SERVE_MEDIA, turning an OS refusal of the path (a
  3,000-character name is "File name too long", a NUL byte is a ValueError) into a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.views.static import serve

SLASH_REDIRECT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CommonMiddleware(DjangoCommonMiddleware):
    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.method not in SLASH_REDIRECT_METHODS:
            return False
        return super().should_redirect_with_slash(request)


def serve_media(request: HttpRequest, path: str, document_root: str | None = None) -> HttpResponse:
    try:
        return serve(request, path, document_root=document_root)
    except (OSError, ValueError):
        raise Http404("媒体文件不存在") from None
