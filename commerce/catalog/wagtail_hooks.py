"""Catalog in the Wagtail admin (SPEC B2): every catalog model is a snippet viewset under the "商品管理" menu.

Snippets (rather than plain model viewsets) give each model a chooser that StreamField blocks and other forms
reuse. Listings search with the database (``icontains``), which works for Chinese text without a tokenizer.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from commerce.catalog.models import (
    SKU,
    SPU,
    Brand,
    GoodsCategory,
    GoodsChannel,
    GoodsChannelGroup,
    GoodsVisitCount,
    SPUSpecification,
)

LEVEL_CHOICES = [("1", _("一级分类")), ("2", _("二级分类")), ("3", _("三级分类"))]


def _categories_of_level(level: int) -> QuerySet[GoodsCategory]:
    categories = GoodsCategory.objects.select_related("parent")
    if level == 1:
        return categories.filter(parent__isnull=True)
    if level == 2:
        return categories.filter(parent__isnull=False, parent__parent__isnull=True)
    return categories.filter(parent__parent__isnull=False)


# --- Forms: keep the tree and the option sets consistent ---------------------------------------------


class SPUAdminForm(WagtailAdminModelForm):
    """An SPU's three categories must form one path of the tree: category1 > category2 > category3."""

    def clean(self):
        cleaned = super().clean()
        cat1, cat2, cat3 = (cleaned.get(name) for name in ("category1", "category2", "category3"))
        if cat1 and cat1.parent_id is not None:
            self.add_error("category1", _("请选择一级分类。"))
        if cat1 and cat2 and cat2.parent_id != cat1.pk:
            self.add_error("category2", _("二级分类必须属于所选的一级分类。"))
        if cat2 and cat3 and cat3.parent_id != cat2.pk:
            self.add_error("category3", _("三级分类必须属于所选的二级分类。"))
        return cleaned


class SKUAdminForm(WagtailAdminModelForm):
    """A SKU hangs on a third-level category; its option set uses its own SPU's specifications, one option each."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        spu_id = self.instance.spu_id if self.instance.pk else None
        if spu_id and "specs" in self.formsets:
            # Existing rows only offer the SPU's own specifications and options (unambiguous labels).
            for form in self.formsets["specs"].forms:
                if "spec" in form.fields:
                    form.fields["spec"].queryset = SPUSpecification.objects.filter(spu_id=spu_id)
                if "option" in form.fields:
                    form.fields["option"].queryset = form.fields["option"].queryset.filter(spec__spu_id=spu_id)

    def clean(self):
        cleaned = super().clean()
        spu, category = cleaned.get("spu"), cleaned.get("category")
        if category is not None and category.level != 3:
            self.add_error("category", _("SKU 必须挂在三级分类下。"))
        formset = self.formsets.get("specs")
        # The parent form is cleaned before its formsets: validate the rows now to compare them with the SPU.
        if spu is None or formset is None or not formset.is_valid():
            return cleaned
        seen: set[int] = set()
        for form in formset.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            spec, option = form.cleaned_data.get("spec"), form.cleaned_data.get("option")
            if spec is None or option is None:
                continue
            if spec.spu_id != spu.pk:
                form.add_error("spec", _("该规格不属于此 SKU 的商品 SPU。"))
            elif option.spec_id != spec.pk:
                form.add_error("option", _("该选项不属于所选规格。"))
            elif spec.pk in seen:
                form.add_error("spec", _("每个规格只能选择一个选项。"))
            seen.add(spec.pk)
        return cleaned


# --- Filters ------------------------------------------------------------------------------------------


class CategoryFilterSet(WagtailFilterSet):
    level = django_filters.ChoiceFilter(
        label=_("层级"), choices=LEVEL_CHOICES, method="filter_level", widget=forms.RadioSelect, empty_label=_("全部")
    )
    parent = django_filters.ModelChoiceFilter(
        label=_("上级分类"), queryset=GoodsCategory.objects.filter(parent__parent__isnull=True)
    )

    class Meta:
        model = GoodsCategory
        fields = ["level", "parent"]

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "1":
            return queryset.filter(parent__isnull=True)
        if value == "2":
            return queryset.filter(parent__isnull=False, parent__parent__isnull=True)
        if value == "3":
            return queryset.filter(parent__parent__isnull=False)
        return queryset


class SPUFilterSet(WagtailFilterSet):
    category1 = django_filters.ModelChoiceFilter(
        label=_("一级分类"), queryset=GoodsCategory.objects.filter(parent__isnull=True)
    )

    class Meta:
        model = SPU
        fields = ["brand", "category1"]


class SKUFilterSet(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=_("三级分类"), queryset=GoodsCategory.objects.filter(parent__parent__isnull=False)
    )

    class Meta:
        model = SKU
        fields = ["is_launched", "category", "spu"]


class VisitCountFilterSet(WagtailFilterSet):
    date = django_filters.DateFromToRangeFilter(label=_("日期"), widget=DateRangePickerWidget)
    category = django_filters.ModelChoiceFilter(
        label=_("分类"), queryset=GoodsCategory.objects.filter(parent__parent__isnull=False)
    )

    class Meta:
        model = GoodsVisitCount
        fields = ["date", "category"]


def _option_values(spec: SPUSpecification) -> str:
    return " / ".join(option.value for option in spec.options.all())


# --- Viewsets -----------------------------------------------------------------------------------------


class CatalogViewSet(SnippetViewSet):
    """Common settings: database search (Chinese-friendly), 30 rows per page."""

    search_backend_name = None
    list_per_page = 30


class GoodsCategoryViewSet(CatalogViewSet):
    model = GoodsCategory
    icon = "folder-open-inverse"
    menu_label = _("商品分类")
    menu_name = "goods-categories"
    list_display = [
        "name",
        "parent",
        Column("level", label=_("层级"), accessor="level"),
        "sequence",
        UpdatedAtColumn(),
    ]
    filterset_class = CategoryFilterSet
    search_fields = ["name", "parent__name"]
    ordering = ["parent_id", "sequence", "id"]
    panels = [FieldPanel("name"), FieldPanel("parent"), FieldPanel("sequence")]

    def get_queryset(self, request):
        return GoodsCategory.objects.select_related("parent__parent")


class GoodsChannelGroupViewSet(CatalogViewSet):
    model = GoodsChannelGroup
    icon = "list-ul"
    menu_label = _("频道组")
    menu_name = "channel-groups"
    list_display = ["name", "sequence", UpdatedAtColumn()]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("sequence")]


class GoodsChannelViewSet(CatalogViewSet):
    model = GoodsChannel
    icon = "list-ol"
    menu_label = _("商品频道")
    menu_name = "channels"
    list_display = ["category", "group", "sequence", "url"]
    list_filter = ["group"]
    search_fields = ["category__name", "group__name"]
    panels = [FieldPanel("group"), FieldPanel("category"), FieldPanel("url"), FieldPanel("sequence")]

    def get_queryset(self, request):
        return GoodsChannel.objects.select_related("group", "category")


class BrandViewSet(CatalogViewSet):
    model = Brand
    icon = "tag"
    menu_label = _("品牌")
    menu_name = "brands"
    list_display = ["name", "first_letter", UpdatedAtColumn()]
    list_filter = ["first_letter"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("first_letter"), FieldPanel("logo")]


class SPUViewSet(CatalogViewSet):
    model = SPU
    icon = "doc-full-inverse"
    menu_label = _("商品SPU")
    menu_name = "spus"
    list_display = ["name", "brand", "category1", "category2", "category3", UpdatedAtColumn()]
    filterset_class = SPUFilterSet
    search_fields = ["name", "brand__name"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("brand"),
                    MultiFieldPanel(
                        [FieldPanel("category1"), FieldPanel("category2"), FieldPanel("category3")],
                        heading=_("分类"),
                    ),
                ],
                heading=_("基本信息"),
            ),
            ObjectList([FieldPanel("desc_detail")], heading=_("商品详情")),
            ObjectList([FieldPanel("desc_pack")], heading=_("包装信息")),
            ObjectList([FieldPanel("desc_service")], heading=_("售后服务")),
        ],
        base_form_class=SPUAdminForm,
    )

    def get_queryset(self, request):
        return SPU.objects.select_related("brand", "category1", "category2", "category3")


class SPUSpecificationViewSet(CatalogViewSet):
    model = SPUSpecification
    icon = "sliders"
    menu_label = _("商品规格")
    menu_name = "specifications"
    list_display = ["name", "spu", Column("options", label=_("选项"), accessor=_option_values), "sequence"]
    list_filter = ["spu"]
    search_fields = ["name", "spu__name"]
    panels = [
        FieldPanel("spu"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("sequence")]),
        InlinePanel("options", heading=_("规格选项"), label=_("选项"), panels=[FieldPanel("value")], min_num=1),
    ]

    def get_queryset(self, request):
        return SPUSpecification.objects.select_related("spu").prefetch_related("options")


class SKUViewSet(CatalogViewSet):
    model = SKU
    icon = "pick"
    menu_label = _("商品SKU")
    menu_name = "skus"
    list_display = ["name", "price", "stock", "sales", "is_launched", UpdatedAtColumn()]
    filterset_class = SKUFilterSet
    search_fields = ["name", "caption"]
    list_export = ["id", "name", "caption", "spu", "category", "price", "market_price", "cost_price", "stock", "sales"]
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("caption"),
                    FieldPanel("spu"),
                    FieldPanel("category"),
                    FieldPanel("is_launched"),
                ],
                heading=_("基本信息"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("price"), FieldPanel("market_price"), FieldPanel("cost_price")]),
                    FieldPanel("stock"),
                    FieldRowPanel([FieldPanel("sales", read_only=True), FieldPanel("comments", read_only=True)]),
                ],
                heading=_("价格与库存"),
            ),
            ObjectList(
                [
                    FieldPanel("default_image"),
                    InlinePanel("images", heading=_("商品图片"), label=_("图片"), panels=[FieldPanel("image")]),
                ],
                heading=_("图片"),
            ),
            ObjectList(
                [
                    InlinePanel(
                        "specs",
                        heading=_("规格选项"),
                        label=_("规格"),
                        panels=[FieldPanel("spec"), FieldPanel("option")],
                    )
                ],
                heading=_("规格"),
            ),
        ],
        base_form_class=SKUAdminForm,
    )

    def get_queryset(self, request):
        return SKU.objects.select_related("spu", "category")


class GoodsVisitCountViewSet(CatalogViewSet):
    """Visits per category per day: written by the detail view, read here (and exported) by operators."""

    model = GoodsVisitCount
    icon = "table"
    menu_label = _("分类访问量")
    menu_name = "visit-counts"
    list_display = ["date", "category", "count"]
    filterset_class = VisitCountFilterSet
    search_fields = ["category__name"]
    list_export = ["date", "category", "count"]
    ordering = ["-date", "-count"]
    inspect_view_enabled = True
    copy_view_enabled = False
    panels = [FieldPanel("category"), FieldPanel("date"), FieldPanel("count")]

    def get_queryset(self, request):
        return GoodsVisitCount.objects.select_related("category")


class CatalogViewSetGroup(SnippetViewSetGroup):
    menu_label = _("商品管理")
    menu_icon = "pick"
    menu_name = "catalog"
    menu_order = 150
    items = (
        SKUViewSet,
        SPUViewSet,
        SPUSpecificationViewSet,
        GoodsCategoryViewSet,
        BrandViewSet,
        GoodsChannelGroupViewSet,
        GoodsChannelViewSet,
        GoodsVisitCountViewSet,
    )


register_snippet(CatalogViewSetGroup)
