"""Language choice: Chinese unless the shopper picked another language with the switcher.

Django's LocaleMiddleware also follows the browser's Accept-Language, which would show a Chinese shop
in English to anyone with an English browser. SPEC J says zh-hans by default, English available: so only
the language cookie set by /i18n/setlang/ changes it.
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def language_for(request: HttpRequest) -> str:
    """The cookie's language when it is one we offer, otherwise settings.LANGUAGE_CODE."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for(request))
        request.LANGUAGE_CODE = translation.get_language()
