"""Language choice: Chinese unless the shopper picked another language with the switcher.

Django's LocaleMiddleware also follows the browser's Accept-Language, which would show a Chinese shop
in English to anyone with an English browser. SPEC J says zh-hans by default, English available: so only
the language cookie set by /i18n/setlang/ changes it.
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import trans_real


def language_for(request: HttpRequest) -> str:
    """The cookie's language when it is one we offer, otherwise settings.LANGUAGE_CODE."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        memoize_translations()

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()


class MemoizedTranslation(trans_real.DjangoTranslation):
    """Django's translation of one language, remembering each message's answer.

    Chinese is the source language: the zh-hans catalogues hold none of our msgids, so every lookup misses in
    each merged catalogue and then walks the chain of fallback catalogues (about 30 µs per `{% translate %}`,
    a tenth of a page's CPU). Catalogues never change while the process runs (a settings change in tests builds
    new translation objects), so the first answer for a message stays right. Bounded: at most MAX_MEMO messages
    are remembered per language, beyond that lookups just take the slow path.
    """

    MAX_MEMO = 20_000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[str, str] = {}

    def gettext(self, message: str) -> str:
        try:
            return self._memo[message]
        except KeyError:
            answer = super().gettext(message)
            if len(self._memo) < self.MAX_MEMO:
                self._memo[message] = answer
            return answer


def memoize_translations() -> None:
    """Make Django build MemoizedTranslation objects from now on (once per process; the middleware calls it
    when the request handler is built). Translations built before are dropped and rebuilt on next use."""
    if trans_real.DjangoTranslation is not MemoizedTranslation:
        trans_real.DjangoTranslation = MemoizedTranslation
        trans_real._translations = {}
        trans_real._default = None
