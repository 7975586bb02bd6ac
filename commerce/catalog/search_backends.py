"""Haystack engines with Chinese word segmentation (SPEC C1).

- ``ChineseWhooshEngine`` (embedded default): Whoosh, every text field analysed by jieba's Chinese analyzer
  (search mode segmentation, lower-casing, stop words, English stemming), so "华为手机" is indexed and
  searched as 华为 / 手机.
- ``IkElasticsearch7Engine`` (production): Elasticsearch 7 with the ik plugin; text fields are indexed with
  ``ik_max_word`` (finest segmentation, best recall) and searched with ``ik_smart`` (coarsest, best precision).
  The ik plugin must be installed on every ES node (see docs/operations.md). Errors are never swallowed
  (SILENTLY_FAIL is off): an index job that cannot reach ES fails and is retried by Dramatiq, and a search
  that cannot reach it raises ``SearchUnavailable`` so the page says so instead of showing 0 results.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

import elasticsearch
import jieba
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from haystack.backends.elasticsearch7_backend import (
    Elasticsearch7SearchBackend,
    Elasticsearch7SearchEngine,
    Elasticsearch7SearchQuery,
)
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.fields import TEXT

from commerce.catalog.search_service import SearchQueryError

IK_INDEX_ANALYZER = "ik_max_word"
IK_SEARCH_ANALYZER = "ik_smart"

# jieba.analyse.ChineseAnalyzer, rebuilt here: importing jieba.analyse also loads the TF-IDF and POS-tagging
# models (about 3 s and 100 MB per process) that search never uses.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the this to us we when "
    "will with yet you your 的 了 和".split()
)
HAN = re.compile(r"[\u4E00-\u9FD5]+")


class ChineseTokenizer(Tokenizer):
    """jieba "search" mode: long words are also cut into their shorter words (华为手机 -> 华为, 手机)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, (word, start, end) in enumerate(jieba.tokenize(value, mode="search")):
            if len(word) <= 1 and not HAN.match(word):  # spaces and punctuation
                continue
            token.original = token.text = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def ChineseAnalyzer():  # noqa: N802 - the name jieba and Whoosh use for analyzer factories
    return ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter()


WHOOSH_WRITER_LOCK = "search:whoosh-writer"


_held = threading.local()


@contextmanager
def _one_writer():
    """Whoosh allows one writer per index folder and creating the folder is not thread-safe either; worker
    threads and processes take turns through a Redis lock (Elasticsearch needs none). Re-entrant within a
    thread, since haystack's update() calls setup()."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with cache.lock(WHOOSH_WRITER_LOCK, timeout=60, blocking_timeout=30):
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


class ChineseWhooshSearchBackend(WhooshSearchBackend):
    """Whoosh backend whose text fields use jieba's ChineseAnalyzer instead of the English stemmer, with
    writes serialised across threads and processes."""

    def setup(self):
        with _one_writer():
            super().setup()

    def update(self, index, iterable, commit=True):
        with _one_writer():
            super().update(index, iterable, commit=commit)

    def remove(self, obj_or_string, commit=True):
        with _one_writer():
            super().remove(obj_or_string, commit=commit)

    def clear(self, models=None, commit=True):
        with _one_writer():
            super().clear(models=models, commit=commit)

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        analyzer = ChineseAnalyzer()
        for field_class in fields.values():
            field_type = schema[field_class.index_fieldname]
            if isinstance(field_type, TEXT) and field_class.analyzer is None:
                field_type.analyzer = analyzer
        return content_field_name, schema


class ChineseWhooshEngine(WhooshEngine):
    backend = ChineseWhooshSearchBackend
    query = WhooshSearchQuery


class SearchUnavailable(SearchQueryError):
    """The search engine did not answer; the search page shows the message (never "0 results")."""

    def __init__(self) -> None:
        super().__init__("search_unavailable", str(_("搜索服务暂时不可用，请稍后再试")))


class IkElasticsearch7SearchBackend(Elasticsearch7SearchBackend):
    """Elasticsearch 7 backend mapping every analysed text field to the ik analyzers."""

    def search(self, query_string, **kwargs):
        try:
            return super().search(query_string, **kwargs)
        except elasticsearch.TransportError as error:  # connection refused, timeout, 5xx, missing index
            self.log.error("Elasticsearch search failed: %s", error)
            self.setup_complete = False  # put the index and mapping again once it is back
            raise SearchUnavailable() from error

    DEFAULT_FIELD_MAPPING = {
        "type": "text",
        "analyzer": IK_INDEX_ANALYZER,
        "search_analyzer": IK_SEARCH_ANALYZER,
    }

    def build_schema(self, fields):
        content_field_name, mapping = super().build_schema(fields)
        for field_mapping in mapping.values():
            # Keyword (not analysed) and non-text fields keep their types; the parent already removed
            # "analyzer" from fields it turned into keywords, so drop the stray search_analyzer too.
            if field_mapping.get("type") != "text":
                field_mapping.pop("search_analyzer", None)
        return content_field_name, mapping


class IkElasticsearch7Engine(Elasticsearch7SearchEngine):
    backend = IkElasticsearch7SearchBackend
    query = Elasticsearch7SearchQuery
