"""Haystack engines with Chinese word segmentation (SPEC C1).

- ``ChineseWhooshEngine`` (embedded default): Whoosh, every text field analysed by jieba's Chinese analyzer
  (search mode segmentation, lower-casing, stop words, English stemming), so "华为手机" is indexed and
  searched as 华为 / 手机. Built for speed (issue 14): each process opens the index once and keeps a few open
  searchers, refreshed only when the index changed; a plain search is one Whoosh search with no per-model
  pass over every document; the document text is indexed but neither stored, kept as a sort column nor
  indexed a second time for spelling suggestions (nothing reads them); a rebuild writes every document
  through one writer and commits once; and jieba's segmentation of a line seen before (an SPU's detail text,
  shared by its SKUs) is reused.
- ``IkElasticsearch7Engine`` (production): Elasticsearch 7 with the ik plugin; text fields are indexed with
  ``ik_max_word`` (finest segmentation, best recall) and searched with ``ik_smart`` (coarsest, best precision).
  The ik plugin must be installed on every ES node (see docs/operations.md). Errors are never swallowed
  (SILENTLY_FAIL is off): an index job that cannot reach ES fails and is retried by Dramatiq, and a search
  that cannot reach it raises ``SearchUnavailable`` so the page says so instead of showing 0 results.
"""

from __future__ import annotations

import logging
import marshal
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import elasticsearch
import jieba
from django.core.cache import cache
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from haystack.backends.elasticsearch7_backend import (
    Elasticsearch7SearchBackend,
    Elasticsearch7SearchEngine,
    Elasticsearch7SearchQuery,
)
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT
from haystack.exceptions import SkipDocument
from whoosh import index as whoosh_index
from whoosh.analysis import Analyzer, LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import NUMERIC, TEXT
from whoosh.query import Or, Term
from whoosh.writing import CLEAR, PostingPool

from commerce.catalog.search_service import SearchQueryError
from commerce.catalog.segmenter import segmenter

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG through its own handler


def _cached_reader(self, fieldname, column):
    """Whoosh 2.7.4's W3PerDocReader._cached_reader remembers the length columns it found but not the ones it
    did not, so writing a segment stats the disk for a missing length file once per posting of every
    unscored field (ids, numbers): a third of a rebuild's time. A segment's files never change once written,
    so "no such column" is remembered as well."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


W3PerDocReader._cached_reader = _cached_reader


REBUILD_POOL_MB = 16


class ChunkedPostingPool(PostingPool):
    """Whoosh's posting pool, whose runs (the sorted postings it puts on disk each time it holds `limitmb`)
    are written and read back as marshal'd lists of postings: Whoosh's own pool pickles and unpickles every
    posting one by one, a fifth of a rebuild's CPU. Same postings, same order; memory stays bounded by
    `limitmb` plus one chunk per run while merging."""

    CHUNK = 2048

    def _write_run(self, f, items) -> None:
        chunk: list = []
        for item in items:
            chunk.append(item)
            if len(chunk) == self.CHUNK:
                self._write_chunk(f, chunk)
                chunk = []
        if chunk:
            self._write_chunk(f, chunk)
        f.close()

    @staticmethod
    def _write_chunk(f, chunk: list) -> None:
        data = marshal.dumps(chunk)
        f.write(len(data).to_bytes(8, "little"))
        f.write(data)

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            # Length-prefixed, read whole: marshal.load(f) reads an object piecewise, one file call per value.
            while size := int.from_bytes(f.read(8), "little"):
                yield from marshal.loads(f.read(size))  # noqa: S302 - a run this pool wrote to its own temp folder
        finally:
            f.close()
            self._remove_run(path)


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
        # Indexing cuts in search mode (a long word and the shorter words inside it); a query is cut into its
        # longest words only: each of them is among a document's indexed words, so the same documents match,
        # with one posting list to walk per word instead of five (笔记本电脑 vs 笔记/记本/笔记本/电脑/笔记本电脑).
        cut = "default" if mode == "query" else "search"
        for position, (word, start, end) in enumerate(segmenter.tokenize(value, mode=cut)):
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


class ChineseAnalyzer(Analyzer):
    """jieba segmentation, lower-casing, stop words and English stemming (jieba.analyse.ChineseAnalyzer's chain).

    When indexing, the finished tokens of each line are remembered for the most recent lines (bounded): the
    SKUs of one SPU share its name, brand and detail text, so a rebuild analyses each of those once, not once
    per SKU. Queries (and anything but indexing) always go through the chain.
    """

    MAX_LINES = 256

    def __init__(self) -> None:
        self.chain = ChineseTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter()

    def __eq__(self, other) -> bool:
        return isinstance(other, ChineseAnalyzer)

    __hash__ = object.__hash__

    def has_morph(self) -> bool:
        return self.chain.has_morph()

    def clean(self) -> None:
        self.chain.clean()

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0, mode="", **kwargs):
        if mode != "index" or not kwargs.get("removestops", True) or kwargs.get("keeporiginal"):
            yield from self.chain(
                value, positions=positions, chars=chars, start_pos=start_pos, start_char=start_char, mode=mode, **kwargs
            )
            return
        token = Token(positions, chars, mode=mode)
        token.boost, token.stopped = 1.0, False
        position, offset = start_pos, start_char
        for line in value.splitlines(keepends=True):
            width = 0
            for text, pos, start, end in _index_tokens(self.chain, line):
                token.text = token.original = text
                if positions:
                    token.pos = position + pos
                if chars:
                    token.startchar, token.endchar = offset + start, offset + end
                width = pos + 1
                yield token
            position += width
            offset += len(line)


_lines: OrderedDict[str, tuple[tuple[str, int, int, int], ...]] = OrderedDict()
_lines_lock = threading.Lock()


def _index_tokens(chain, line: str) -> tuple[tuple[str, int, int, int], ...]:
    """(text, position, start, end) of the line's index tokens, from the memory of recent lines or the chain."""
    with _lines_lock:
        found = _lines.get(line)
        if found is not None:
            _lines.move_to_end(line)
            return found
    found = tuple(
        (t.text, t.pos, t.startchar, t.endchar) for t in chain(line, positions=True, chars=True, mode="index")
    )
    with _lines_lock:
        _lines[line] = found
        if len(_lines) > ChineseAnalyzer.MAX_LINES:
            _lines.popitem(last=False)
    return found


WHOOSH_WRITER_LOCK = "search:whoosh-writer"
COMMIT_LOCK_SECONDS = 300


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


@contextmanager
def _one_long_writer() -> Iterator[Callable[..., None]]:
    """Like _one_writer, for a rebuild that outlives the lock's timeout: yields a function that extends it
    (by 60 s, or by the seconds given)."""
    lock = cache.lock(WHOOSH_WRITER_LOCK, timeout=60, blocking_timeout=30)
    with lock:
        _held.depth = 1
        try:
            yield lambda seconds=60: lock.extend(seconds, replace_ttl=True)
        finally:
            _held.depth = 0


class _SearcherPool:
    """Open Whoosh searchers of one index folder, shared by the threads of a process. A borrowed searcher is
    refreshed first (a directory listing when nothing changed; a new reader of the new segments otherwise)."""

    MAX_IDLE = 8

    def __init__(self) -> None:
        self._idle: list = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, ix):
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is None:
            searcher = ix.searcher()
        else:
            searcher = searcher.refresh()  # closes what the fresh one does not reuse
        try:
            yield searcher
        finally:
            with self._lock:
                keep = len(self._idle) < self.MAX_IDLE
                if keep:
                    self._idle.append(searcher)
            if not keep:
                searcher.close()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()


# Per process, per index folder: (storage, schema, content field name, parser, index) and the searcher pool.
# haystack makes a backend object per thread, and Daphne runs each request in a thread of its own: without
# these, every search page rebuilt the schema, reopened the index and opened two searchers.
_opened: dict[str, tuple] = {}
_pools: dict[str, _SearcherPool] = {}
_opened_lock = threading.Lock()


class ChineseWhooshSearchBackend(WhooshSearchBackend):
    """Whoosh backend whose text fields use jieba's ChineseAnalyzer instead of the English stemmer, with
    writes serialised across threads and processes, the index opened once per process and plain searches
    served by pooled searchers."""

    def setup(self):
        opened = _opened.get(self.path)
        exists = whoosh_index.exists_in(self.path)
        if opened is not None and not exists:  # the folder was removed behind our back: start again
            self._forget_opened()
            opened = None
        if opened is None:
            if exists:
                super().setup()  # opens the existing index: nothing written, no lock needed
            else:
                with _one_writer():  # creates the folder and an empty index
                    super().setup()
            opened = (self.storage, self.schema, self.content_field_name, self.parser, self.index)
            with _opened_lock:
                _opened.setdefault(self.path, opened)
        self.storage, self.schema, self.content_field_name, self.parser, self.index = opened
        self.setup_complete = True

    def _forget_opened(self) -> None:
        with _opened_lock:
            _opened.pop(self.path, None)
            pool = _pools.pop(self.path, None)
        if pool:
            pool.close_all()

    def _pool(self) -> _SearcherPool:
        with _opened_lock:
            return _pools.setdefault(self.path, _SearcherPool())

    def update(self, index, iterable, commit=True):
        with _one_writer():
            super().update(index, iterable, commit=commit)

    def remove(self, obj_or_string, commit=True):
        with _one_writer():
            super().remove(obj_or_string, commit=commit)

    def clear(self, models=None, commit=True):
        with _one_writer():
            super().clear(models=models, commit=commit)
            if not models:  # haystack deleted the whole folder
                self._forget_opened()

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        analyzer = ChineseAnalyzer()
        for field_class in fields.values():
            field_type = schema[field_class.index_fieldname]
            if isinstance(field_type, TEXT) and field_class.analyzer is None:
                field_type.analyzer = analyzer
            if isinstance(field_type, NUMERIC):
                # Sorted on, never range-searched: one term per value instead of 8-16 precision tiers, and a
                # column so that sorting reads numbers straight from it.
                schema.remove(field_class.index_fieldname)
                schema.add(
                    field_class.index_fieldname,
                    NUMERIC(
                        numtype=field_type.numtype,
                        bits=field_type.bits,
                        stored=field_type.stored,
                        shift_step=0,
                        default=0,
                        sortable=True,
                    ),
                )
            if isinstance(field_type, TEXT) and field_class.index_fieldname == content_field_name:
                # Searched, never shown, sorted on or spell-checked: keep only the postings.
                field_type.stored = False
                field_type.column_type = None
                field_type.spelling = False
        return content_field_name, schema

    def rebuild(self, index, batches: Iterable[list], progress: Callable[[int], None] | None = None) -> int:
        """Index every object of `batches` (lists of model instances, none indexed yet: call after clear())
        through one writer and one commit. Returns the number of documents added."""
        if not self.setup_complete:
            self.setup()
        added = 0
        with _one_long_writer() as extend_lock:
            self.index = self.index.refresh()
            # 16 MB of postings per sorted run: 180 MB peak for 10,000 SKUs (200 MB at 32), about as fast.
            writer = self.index.writer(limitmb=REBUILD_POOL_MB)
            writer.pool = ChunkedPostingPool(writer._tempstorage, writer.newsegment, limitmb=REBUILD_POOL_MB)
            try:
                for batch in batches:
                    for obj in batch:
                        try:
                            doc = index.full_prepare(obj)
                        except SkipDocument:
                            continue
                        doc.pop("boost", None)
                        writer.add_document(**{key: self._from_python(value) for key, value in doc.items()})
                        added += 1
                    extend_lock()
                    if progress:
                        progress(added)
            except BaseException:
                writer.cancel()
                raise
            # Writing the segment can take longer than a batch on a busy machine: the lock must not expire
            # under it (a crashed rebuild then holds other writers off for these minutes at most).
            extend_lock(COMMIT_LOCK_SECONDS)
            if self._models_filter([index.get_model()], None) is None:
                # Every document of the index is of this model, and all of them were cleared: the new segment
                # replaces the old ones outright (an optimising merge would read every posting of the
                # cleared segment again, and build the set of its deleted documents once per term).
                writer.commit(mergetype=CLEAR)
            else:
                writer.commit(optimize=True)  # one segment: the cleared documents are dropped, not carried
        return added

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        """A plain search (query, sort, page, models) through a pooled searcher, as one Whoosh search whose
        results page also carries the total; anything else (facets, highlighting, narrowing, spelling) goes
        to haystack's implementation."""
        extras = (fields, highlight, facets, date_facets, query_facets, narrow_queries, spelling_query)
        if any(extras) or within or dwithin or distance_point or self.include_spelling:
            return super().search(
                query_string,
                sort_by=sort_by,
                start_offset=start_offset,
                end_offset=end_offset,
                fields=fields,
                highlight=highlight,
                facets=facets,
                date_facets=date_facets,
                query_facets=query_facets,
                narrow_queries=narrow_queries,
                spelling_query=spelling_query,
                within=within,
                dwithin=dwithin,
                distance_point=distance_point,
                models=models,
                limit_to_registered_models=limit_to_registered_models,
                result_class=result_class,
                **kwargs,
            )
        if not self.setup_complete:
            self.setup()
        nothing = {"results": [], "hits": 0}
        query_string = force_str(query_string)
        if not query_string or (len(query_string) <= 1 and query_string != "*"):
            return nothing
        parsed = self.parser.parse(query_string)
        if parsed is None:
            return nothing
        sort_fields, reverse = _whoosh_sort(sort_by)
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        with self._pool().borrow(self.index) as searcher:
            if not searcher.doc_count():
                return nothing
            try:
                raw_page = searcher.search_page(
                    parsed,
                    page_num,
                    pagelen=page_length,
                    sortedby=sort_fields or None,
                    reverse=reverse,
                    optimize=False,  # score every match once and count it then: no second pass for the total
                    filter=self._models_filter(models, limit_to_registered_models),
                )
            except ValueError:
                if not self.silently_fail:
                    raise
                return nothing
            if raw_page.pagenum < page_num:  # Whoosh answers a page past the end with the last one
                return {"results": [], "hits": raw_page.total}  # the total still tells the caller the last page
            return self._process_results(raw_page, query_string=query_string, result_class=result_class)

    def _models_filter(self, models, limit_to_registered_models):
        """A filter on django_ct, or None when every document in the index is of a wanted model."""
        registered = sorted(self.build_models_list())
        if models:
            wanted = sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in models)
        elif limit_to_registered_models is None or limit_to_registered_models:
            wanted = registered
        else:
            return None
        if set(wanted) >= set(registered):
            return None
        return Or([Term(DJANGO_CT, ct) for ct in wanted])


def _whoosh_sort(sort_by) -> tuple[list[str], bool]:
    """haystack's order_by list -> (Whoosh field names, reverse); Whoosh sorts every field one way."""
    if not sort_by:
        return [], False
    descending = [field.startswith("-") for field in sort_by]
    if any(descending) and not all(descending):
        from haystack.exceptions import SearchBackendError

        raise SearchBackendError("Whoosh requires all order_by fields to use the same sort direction")
    return [field.lstrip("-") for field in sort_by], all(descending)


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
