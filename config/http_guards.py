"""Small guards so odd requests get a 4xx, never a 500 (SPEC J), also under DEBUG (`make run` is DEBUG).

- `CommonMiddleware`: Django's, except that a POST/PUT/PATCH/DELETE to a URL missing its trailing slash is
  not redirected (a redirect loses the body; under DEBUG Django raises RuntimeError instead, a 500). The
  URL resolver then answers 404 like for any unknown address.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware

SLASH_REDIRECT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CommonMiddleware(DjangoCommonMiddleware):
    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.method not in SLASH_REDIRECT_METHODS:
            return False
        return super().should_redirect_with_slash(request)
