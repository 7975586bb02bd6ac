"""Site settings editors manage in Wagtail, for every page: `{% load shop_cms %}{% hot_search_words as words %}`."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

register = template.Library()

HOT_WORDS_KEY = "cms:hot-search-words"
HOT_WORDS_SECONDS = 300


def get_hot_search_words(language: str | None = None) -> list[str]:
    """The editor's suggested searches for a language (the active one by default), cached; cms.signals drops
    the cache when an editor saves them."""
    words_by_language = cache.get(HOT_WORDS_KEY)
    if words_by_language is None:
        from cms.models import SearchSettings

        found = SearchSettings.objects.order_by("pk").first() or SearchSettings()  # unsaved: the defaults
        words_by_language = {code: found.words_for(code) for code, _name in settings.LANGUAGES}
        cache.set(HOT_WORDS_KEY, words_by_language, HOT_WORDS_SECONDS)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return words_by_language.get(language) or words_by_language.get(settings.LANGUAGE_CODE, [])


def forget_hot_search_words() -> None:
    cache.delete(HOT_WORDS_KEY)


@register.simple_tag
def hot_search_words() -> list[str]:
    return get_hot_search_words()
