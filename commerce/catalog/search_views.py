"""Search page (SPEC C1): /search/?q=&sort=&page=. Thin: validate through the search service, render.

A bad query (empty, blank, too long) answers 200 with a clear Chinese message; a garbage page or sort
falls back to a sane value; nothing a client sends yields a 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from commerce.catalog.search_service import DEFAULT_SORT, MAX_QUERY_LENGTH, SearchQueryError, search_skus

SORT_CHOICES = [
    ("relevance", _("综合")),
    ("price", _("价格从低到高")),
    ("-price", _("价格从高到低")),
    ("sales", _("销量")),
]


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    raw_query = request.GET.get("q", "")
    context = {
        "query": raw_query.strip()[: MAX_QUERY_LENGTH * 2],
        "sort": DEFAULT_SORT,
        "sort_choices": SORT_CHOICES,
        "max_query_length": MAX_QUERY_LENGTH,
        "error": None,
        "results": None,
    }
    try:
        results = search_skus(query=raw_query, sort=request.GET.get("sort"), page=request.GET.get("page"))
    except SearchQueryError as exc:
        context["error"] = exc.message
    else:
        context.update(
            query=results.query,
            sort=results.sort,
            results=results,
            page_obj=results.page,
            page_range=results.page.paginator.get_elided_page_range(results.page.number),
            skus=results.skus,
        )
    return render(request, "search/search.html", context)
