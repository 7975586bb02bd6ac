"""Product search (SPEC C1): querying the haystack index and keeping it in step with the catalog.

``search_skus`` validates the shopper's query and returns one page of launched SKUs;
``sync_search_documents`` (run by the ``update_search_index_task`` actor) re-reads committed rows and updates
or removes their documents, so running it twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from haystack import connections
from haystack.inputs import AutoQuery
from haystack.query import SearchQuerySet
from haystack.utils import get_identifier

from commerce.catalog.models import SKU, SPU, Brand
from commerce.catalog.selectors import list_skus_by_ids

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 50
PAGE_SIZE = 20
#: sort key in the URL -> index field order (None = relevance, the engine's score).
SORTS: dict[str, str | None] = {"relevance": None, "price": "price", "-price": "-price", "sales": "-sales"}
DEFAULT_SORT = "relevance"


class SearchQueryError(Exception):
    """The shopper's query cannot be searched; ``message`` is shown as is, ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SearchPage:
    query: str
    sort: str
    page: Page  # items are haystack SearchResult objects
    skus: list[SKU]  # this page's launched SKUs in result order, card images prefetched

    @property
    def total(self) -> int:
        return self.page.paginator.count


def clean_query(raw: str | None) -> str:
    """The query with surrounding and repeated whitespace removed.

    Raises SearchQueryError("empty") for nothing to search and ("too_long") above MAX_QUERY_LENGTH characters.
    """
    query = " ".join((raw or "").split())
    if not query:
        raise SearchQueryError("empty", _("请输入要搜索的商品名称"))
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryError("too_long", _("搜索内容太长了，请控制在%(n)d个字以内") % {"n": MAX_QUERY_LENGTH})
    return query


def _page_number(raw: str | int | None) -> int:
    try:
        return max(1, int(raw or 1))
    except (TypeError, ValueError):
        return 1


def search_skus(*, query: str | None, sort: str | None = None, page: str | int | None = 1) -> SearchPage:
    """One page of launched SKUs matching ``query`` (segmented by the engine's Chinese analyzer).

    One search per page: the page's slice is fetched first, and its answer carries the total that the
    paginator needs (a second search only for a page past the end, which shows the last page).
    An unknown sort falls back to relevance and a garbage or out-of-range page to the nearest real page.
    Raises SearchQueryError for an empty or over-long query.
    """
    text = clean_query(query)
    sort_key = sort if sort in SORTS else DEFAULT_SORT
    results = SearchQuerySet().models(SKU).filter(content=AutoQuery(text))
    if SORTS[sort_key]:
        results = results.order_by(SORTS[sort_key])
    number = _page_number(page)
    hits = list(results[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    paginator = Paginator(results, PAGE_SIZE)
    paginator.count = results.count()  # known from the search above: no second search (cached_property)
    if number > paginator.num_pages:
        number = paginator.num_pages
        hits = list(results[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    current = Page(hits, number, paginator)
    ids = [int(result.pk) for result in hits]
    # A document indexed before its SKU left the shelf is dropped here until the index job removes it.
    loaded = list_skus_by_ids(ids)
    return SearchPage(query=text, sort=sort_key, page=current, skus=[loaded[i] for i in ids if i in loaded])


def _sku_index():
    return connections["default"].get_unified_index().get_index(SKU)


def _affected_sku_ids(model_label: str, pk: int) -> list[int]:
    if model_label == SKU._meta.label_lower:
        return [pk]
    if model_label == SPU._meta.label_lower:
        return list(SKU.objects.filter(spu_id=pk).values_list("id", flat=True))
    if model_label == Brand._meta.label_lower:
        return list(SKU.objects.filter(spu__brand_id=pk).values_list("id", flat=True))
    logger.warning("search sync: model %s is not indexed", model_label)
    return []


def sync_search_documents(*, model_label: str, pk: int) -> int:
    """Bring the documents of the SKUs fed by row ``model_label``/``pk`` in line with the database.

    Launched SKUs are (re)indexed, unlaunched or deleted ones removed. Returns how many SKUs were looked at.
    """
    index = _sku_index()
    sku_ids = _affected_sku_ids(model_label, pk)
    launched = {sku.pk: sku for sku in index.index_queryset().filter(pk__in=sku_ids)}
    for sku_id in sku_ids:
        sku = launched.get(sku_id)
        if sku is not None:
            index.update_object(sku)
        else:
            index.remove_object(get_identifier(SKU(pk=sku_id)))
    return len(sku_ids)


def rebuild_search_index(*, batch_size: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty the index and index every launched SKU again, reading ``batch_size`` SKUs per query.

    The embedded Whoosh engine writes them all through one writer and commits once (searches see the old
    documents gone and the new ones appear together at the end); other engines write batch by batch.
    ``progress(done, total)`` is called after each batch. Returns the number of SKUs indexed.
    """
    index = _sku_index()
    backend = connections["default"].get_backend()
    backend.clear(models=[SKU], commit=True)
    queryset = index.index_queryset().order_by("pk")
    total = queryset.count()
    if progress:
        progress(0, total)

    def batches():
        last_pk = 0
        while batch := list(queryset.filter(pk__gt=last_pk)[:batch_size]):
            last_pk = batch[-1].pk
            yield batch

    if hasattr(backend, "rebuild"):
        return backend.rebuild(index, batches(), progress=lambda done: progress and progress(min(done, total), total))
    done = 0
    for batch in batches():
        backend.update(index, batch, commit=True)
        done += len(batch)
        if progress:
            progress(min(done, total), total)
    return done


def refresh_search_index(*, batch_size: int = 500) -> int:
    """Reindex every launched SKU in place and remove unlaunched ones, without emptying the index first
    (searches keep working throughout). Returns the number of SKUs indexed."""
    index = _sku_index()
    backend = connections["default"].get_backend()
    launched = index.index_queryset().order_by("pk")
    done, last_pk = 0, 0
    while batch := list(launched.filter(pk__gt=last_pk)[:batch_size]):
        backend.update(index, batch, commit=True)
        last_pk = batch[-1].pk
        done += len(batch)
    for sku_id in SKU.objects.filter(is_launched=False).values_list("pk", flat=True).iterator():
        backend.remove(f"{SKU._meta.label_lower}.{sku_id}", commit=True)
    return done
