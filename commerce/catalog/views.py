"""Catalog pages: category list (SPEC B5) and SKU detail (SPEC B4). Thin: parse input, call selectors and
services, render. Unknown ids answer with the 404 page; garbage query parameters fall back to sane values."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from commerce import page_memo
from commerce.catalog import selectors, services, sku_page
from commerce.catalog.models import SKU
from commerce.catalog.static_render import is_static_render


def _page_number(raw: str | None, num_pages: int) -> int:
    """A page number clamped to 1..num_pages; anything that is not an integer means page 1."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)


def paginate(queryset, raw_page: str | None, per_page: int) -> Page:
    paginator = Paginator(queryset, per_page)
    return paginator.page(_page_number(raw_page, paginator.num_pages))


def _in_order(skus: dict[int, SKU], rows: tuple[tuple, ...]) -> list[SKU]:
    return [skus[pk] for pk, *_ in rows if pk in skus]


@require_safe
def category_list(request: HttpRequest, category_id: int) -> HttpResponse:
    category = selectors.get_category(category_id)
    if category is None:
        raise Http404(_("没有这个商品分类"))
    sort = selectors.normalize_sort(request.GET.get("sort"))
    cards = selectors.list_category_cards(category, sort)
    page = paginate(cards, request.GET.get("page"), settings.SHOP_LIST_PAGE_SIZE)
    rows = tuple(page.object_list)
    breadcrumb = selectors.get_breadcrumb(category)
    hot_skus = selectors.list_hot_skus(category.id)
    return page_memo.render_page(
        request,
        "catalog/category_list.html",
        {
            "category": category,
            "breadcrumb": breadcrumb,
            "sort": sort,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "has_skus": bool(rows),
            "skus": SimpleLazyObject(lambda: _in_order(selectors.list_skus_by_ids(pk for pk, *_ in rows), rows)),
            "cards_version": rows,  # keys the grid of cards, kept per process: the SKUs load only to draw it
            "hot_skus": hot_skus,  # plain values: they key the sidebar's fragment
        },
        # The path's categories, the order, which page of how many SKUs, the cards on it and the best sellers.
        key=(
            tuple((item.pk, item.name) for item in breadcrumb),
            sort,
            page.number,
            page.paginator.count,
            rows,
            page_memo.frozen(hot_skus),
        ),
    )


@require_safe
def sku_detail(request: HttpRequest, sku_id: int) -> HttpResponse:
    sku = selectors.get_launched_sku_for_page(sku_id)
    if sku is None:
        raise Http404(_("商品不存在或已下架"))
    if not is_static_render(request):  # a static page's script reports its visits (api.page_user)
        services.record_category_visit(category_id=sku.category_id)
        user = request.user if request.user.is_authenticated else None
        sku_page.sku_viewed.send(SKU, sku_id=sku.pk, category_id=sku.category_id, user=user)
    version = selectors.get_sku_page_version(sku)
    hot_skus = selectors.list_hot_skus(sku.category_id)
    slots = sku_page.fill_slots(request, sku)  # comments and freight claim, the sale box: see sku_page
    # Everything below is read only when the page is drawn again (commerce.page_memo): the gallery and switcher
    # are kept per process under the page's version, the breadcrumb loads the category path.
    parts = SimpleLazyObject(lambda: selectors.get_sku_page_parts(sku, version))
    return page_memo.render_page(
        request,
        "catalog/sku_detail.html",
        {
            "sku": sku,
            "spu": sku.spu,
            "sku_page_version": version,  # keys the page's cached fragments (gallery, switcher, tabs)
            "breadcrumb": SimpleLazyObject(lambda: selectors.get_breadcrumb(sku.category)),
            "images": SimpleLazyObject(lambda: parts[0]),
            "spec_switcher": SimpleLazyObject(lambda: parts[1]),
            "hot_skus": hot_skus,  # plain values: they key the sidebar's fragment
            "sku_slots": slots.values,
        },
        # The SKU's, SPU's and brand's rows (price, stock, sales, comment count, texts, timestamps), the best
        # sellers beside it and the slots' own inputs: what this page shows beyond the header.
        key=(selectors.sku_page_rows(sku), page_memo.frozen(hot_skus), slots.key),
        holes=slots.holes,
    )
