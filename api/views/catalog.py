"""Catalog reads (SPEC B4, B5, C1) and areas: the category menu, a category's SKUs, SKU detail, search."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.schema import errors
from api.serializers import (
    AreaSerializer,
    AreaWithSubsSerializer,
    HotSKUSerializer,
    MenuGroupSerializer,
    SearchPageSerializer,
    SKUCardSerializer,
    SKUDetailSerializer,
)
from api.views.base import ApiView
from commerce.accounts import areas
from commerce.accounts.history import record_visit
from commerce.catalog import selectors, services
from commerce.catalog.search_service import SORTS, search_skus


class CategoryMenuView(ApiView):
    @extend_schema(responses={200: MenuGroupSerializer(many=True)}, tags=["catalog"])
    def get(self, request):
        """The channel menu: channel groups, their channels, second- and third-level categories."""
        return Response(MenuGroupSerializer(selectors.get_category_menu(), many=True).data)


def _category(category_id: int):
    category = selectors.get_category(category_id)
    if category is None:
        raise exceptions.NotFound(_("没有这个商品分类"))
    return category


class CategorySKUsView(ApiView, GenericAPIView):
    serializer_class = SKUCardSerializer

    @extend_schema(
        parameters=[OpenApiParameter("sort", enum=list(selectors.LIST_SORTS), required=False)],
        responses={200: SKUCardSerializer(many=True), **errors(404)},
        tags=["catalog"],
    )
    def get(self, request, category_id: int):
        """Launched SKUs of a category (any level), sorted by default / price / hot, a page at a time."""
        category = _category(category_id)
        sort = selectors.normalize_sort(request.query_params.get("sort"))
        page = self.paginate_queryset(selectors.list_category_skus(category, sort))
        return self.get_paginated_response(SKUCardSerializer(page, many=True).data)


class HotSKUsView(ApiView):
    @extend_schema(responses={200: HotSKUSerializer(many=True), **errors(404)}, tags=["catalog"])
    def get(self, request, category_id: int):
        """Best sellers of a category (the same cached list the pages show)."""
        category = _category(category_id)
        return Response(HotSKUSerializer(selectors.list_hot_skus(category.id), many=True).data)


class SKUDetailView(ApiView):
    @extend_schema(responses={200: SKUDetailSerializer, **errors(404)}, tags=["catalog"])
    def get(self, request, sku_id: int):
        """A launched SKU: prices, stock, gallery, the spec switcher map and its category's best sellers.
        Counts a category visit and, with a token, records the shopper's browsing history, as the page does."""
        sku = selectors.get_launched_sku(sku_id)
        if sku is None:
            raise exceptions.NotFound(_("商品不存在或已下架"))
        services.record_category_visit(category_id=sku.category_id)
        if request.user.is_authenticated:
            record_visit(user_id=request.user.pk, sku_id=sku.pk)
        brand = sku.spu.brand
        data = {
            "id": sku.id,
            "name": sku.name,
            "caption": sku.caption,
            "price": sku.price,
            "market_price": sku.market_price,
            "stock": sku.stock,
            "sales": sku.sales,
            "comments": sku.comments,
            "spu": {
                "id": sku.spu_id,
                "name": sku.spu.name,
                "brand": {"id": brand.id, "name": brand.name} if brand else None,
            },
            "breadcrumb": [{"id": c.id, "name": c.name} for c in selectors.get_breadcrumb(sku.category)],
            "images": selectors.list_sku_images(sku),
            "specs": selectors.get_spec_switcher(sku),
            "hot_skus": selectors.list_hot_skus(sku.category_id),
        }
        return Response(SKUDetailSerializer(data).data)


class SearchView(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", required=True, description="what to search for (at most 50 characters)"),
            OpenApiParameter("sort", enum=list(SORTS), required=False),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: SearchPageSerializer, **errors(400)},
        tags=["catalog"],
    )
    def get(self, request):
        """Full-text search over launched SKUs (the site's search service and index), 20 a page."""
        found = search_skus(
            query=request.query_params.get("q"),
            sort=request.query_params.get("sort"),
            page=request.query_params.get("page") or 1,
        )
        data = {
            "query": found.query,
            "sort": found.sort,
            "count": found.total,
            "page": found.page.number,
            "num_pages": found.page.paginator.num_pages,
            "results": found.skus,
        }
        return Response(SearchPageSerializer(data).data)


class ProvinceListView(ApiView):
    @extend_schema(responses={200: AreaSerializer(many=True)}, tags=["areas"])
    def get(self, request):
        """Every province (id = statistical area code)."""
        return Response(AreaSerializer(areas.list_provinces(), many=True).data)


class AreaView(ApiView):
    @extend_schema(responses={200: AreaWithSubsSerializer, **errors(404)}, tags=["areas"])
    def get(self, request, area_code: int):
        """One area with its direct subdivisions (a province's cities, a city's districts)."""
        return Response(AreaWithSubsSerializer(areas.get_area_with_subs(area_code)).data)
