"""Catalog in the Wagtail admin (SPEC B2): every catalog model is a snippet viewset under the "商品管理" menu.

Snippets (rather than plain model viewsets) give each model a chooser that StreamField blocks and other forms
reuse. Listings search with the database (``icontains``), which works for Chinese text without a tokenizer.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.db import router
from django.db.models import Q, QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import FilteredSelect
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_choosers
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup
from wagtail.snippets.widgets import AdminSnippetChooser

from commerce.catalog import admin_tools  # noqa: F401 - registers 生成SKU and 批量修改价格库存 (issue #15)
from commerce.catalog.models import (
    SKU,
    SPU,
    Brand,
    GoodsCategory,
    GoodsChannel,
    GoodsChannelGroup,
    GoodsVisitCount,
    SKUSpecification,
    SpecificationOption,
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


def _option_label(option: SpecificationOption) -> str:
    """SPU名 · 颜色: 黑色 -- a new SKU's dropdown lists the options of every SPU, so each says whose it is."""
    return f"{option.spec.spu.name} · {option.spec.name}: {option.value}"


class OptionRowSelect(FilteredSelect):
    """Wagtail's filtered select, also for the rows the inline panel's "add" button inserts later."""

    @property
    def media(self):
        return super().media + forms.Media(js=["js/admin-filtered-rows.js"])


def _limit_option_row(form, spu_id: int | None) -> None:
    spec_field, option_field = form.fields.get("spec"), form.fields.get("option")
    if option_field is not None:
        options = SpecificationOption.objects.select_related("spec__spu").order_by(
            "spec__spu_id", "spec__sequence", "spec_id", "sort_order", "id"
        )
        if spu_id:
            option_field.queryset = options.filter(spec__spu_id=spu_id)  # "颜色: 黑色" is unambiguous here
        else:
            option_field.queryset = options
            option_field.label_from_instance = _option_label
        # Once the row's specification is chosen, its select shows that specification's options only
        # (Wagtail's filtered-select.js; the form's clean() refuses any other option server-side).
        option_field.widget = OptionRowSelect(filter_field=f"id_{form.add_prefix('spec')}")
        option_field.widget.choices = [("", "---------")] + [  # 2-tuple first: Select.use_required_attribute
            (option.pk, option_field.label_from_instance(option), [option.spec_id]) for option in option_field.queryset
        ]
    if spec_field is not None and spu_id and hasattr(spec_field, "queryset"):
        spec_field.queryset = SPUSpecification.objects.filter(spu_id=spu_id)


class SKUAdminForm(WagtailAdminModelForm):
    """A SKU hangs on a third-level category; its option set uses its own SPU's specifications, one option
    for each of them, and differs from every other SKU's option set of that SPU."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset = self.formsets.get("specs")
        if formset is None:
            return
        spu_id = self._spu_id()

        class OptionRowForm(formset.form):
            """Rows (and the empty row the "add" button copies) offer options labelled with their SPU."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                _limit_option_row(self, spu_id)

        formset.form = OptionRowForm  # before `formset.forms` (a cached property) and `empty_form` are built

    def _spu_id(self) -> int | None:
        """The SPU whose options the rows may offer: the saved SKU's, or the one posted with a new SKU."""
        if self.instance.pk:
            return self.instance.spu_id
        raw = self.initial.get("spu") or (self.data.get("spu") if self.is_bound else None)
        return int(raw) if isinstance(raw, (int, str)) and str(raw).isdigit() and len(str(raw)) < 10 else None

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
        chosen: set[int] = set()
        rows_ok = True
        for form in formset.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            spec, option = form.cleaned_data.get("spec"), form.cleaned_data.get("option")
            if spec is None or option is None:
                continue
            if spec.spu_id != spu.pk:
                form.add_error("spec", _("该规格不属于此 SKU 的商品 SPU。"))
                rows_ok = False
            elif option.spec_id != spec.pk:
                form.add_error("option", _("该选项不属于所选规格。"))
                rows_ok = False
            elif spec.pk in seen:
                form.add_error("spec", _("每个规格只能选择一个选项。"))
                rows_ok = False
            seen.add(spec.pk)
            chosen.add(option.pk)
        if not rows_ok:
            return cleaned
        missing = [spec.name for spec in SPUSpecification.objects.filter(spu=spu).exclude(pk__in=seen)]
        if missing:
            self.add_error(None, _("规格：请为以下规格各选择一个选项：%(names)s") % {"names": "、".join(missing)})
            return cleaned
        if self._option_set_taken(spu, chosen):
            self.add_error(None, _("规格：该商品 SPU 已有一个 SKU 使用完全相同的规格选项组合。"))
        return cleaned

    def _option_set_taken(self, spu: SPU, chosen: set[int]) -> bool:
        others = SKU.objects.filter(spu=spu).exclude(pk=self.instance.pk) if self.instance.pk else spu.skus.all()
        sets: dict[int, set[int]] = {sku_id: set() for sku_id in others.values_list("pk", flat=True)}
        for sku_id, option_id in SKUSpecification.objects.filter(sku_id__in=list(sets)).values_list(
            "sku_id", "option_id"
        ):
            sets[sku_id].add(option_id)
        return any(options == chosen for options in sets.values())


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


# --- Deleting sold goods ---------------------------------------------------------------------------------


def blocking_rows(obj) -> list:
    """Rows that forbid deleting `obj` (PROTECT/RESTRICT foreign keys, e.g. order lines of a sold SKU)."""
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except ProtectedError as error:
        return list(error.protected_objects)
    except RestrictedError as error:
        return list(error.restricted_objects)
    return []


def _sku_ids_of(obj) -> list[int]:
    return [obj.pk] if isinstance(obj, SKU) else list(SKU.objects.filter(spu=obj).values_list("pk", flat=True))


class SoldGoodsDeleteView(snippet_views.DeleteView):
    """Delete a SKU or SPU unless orders point at it: then the page says why and offers 下架 instead.

    Order lines keep a PROTECT key to their SKU (an order must still show what was bought), so deleting a
    sold SKU, or an SPU with a sold SKU, would fail in the database; Wagtail would show a 500.
    """

    template_name = "catalog/admin/confirm_delete_goods.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.blockers = blocking_rows(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.blockers:
            context.update(
                is_protected=True,
                protected_reason=self.protected_reason(),
                unlaunch_url=reverse(self.model.snippet_viewset.get_url_name("unlaunch"), args=[self.object.pk]),
                launched_count=SKU.objects.filter(pk__in=_sku_ids_of(self.object), is_launched=True).count(),
            )
        return context

    def protected_reason(self) -> str:
        kinds = sorted({str(type(row)._meta.verbose_name) for row in self.blockers})
        return _("“%(object)s”已售出，有 %(count)d 条记录（%(kinds)s）引用它，不能删除。如需停售，请下架。") % {
            "object": self.object,
            "count": len(self.blockers),
            "kinds": "、".join(kinds),
        }

    def form_valid(self, form):
        if self.blockers:
            messages.error(self.request, self.protected_reason())
            return redirect(self.get_delete_url())
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError):  # sold between the page and the click
            messages.error(self.request, self.protected_reason())
            return redirect(self.get_delete_url())


class UnlaunchView(PermissionCheckedMixin, View):
    """POST: take the SKU (or every SKU of the SPU) off sale: 下架, the alternative to deleting sold goods."""

    permission_required = "change"
    model = None

    def post(self, request, pk):
        obj = get_object_or_404(self.model, pk=pk if str(pk).isdigit() and len(str(pk)) < 19 else 0)
        changed = 0
        for sku in SKU.objects.filter(pk__in=_sku_ids_of(obj), is_launched=True):
            sku.is_launched = False
            sku.save(update_fields=["is_launched", "updated_at"])  # signals: search index, static page, cache
            changed += 1
        messages.success(request, _("已下架 %(count)d 个 SKU：%(object)s") % {"count": changed, "object": obj})
        return redirect(reverse(self.model.snippet_viewset.get_url_name("list")))


class SoldGoodsViewSetMixin:
    """SKU and SPU viewsets: the delete view above, plus the unlaunch action it offers."""

    delete_view_class = SoldGoodsDeleteView
    delete_template_name = SoldGoodsDeleteView.template_name

    @property
    def unlaunch_view(self):
        return UnlaunchView.as_view(model=self.model, permission_policy=self.permission_policy)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("unlaunch/<str:pk>/", self.unlaunch_view, name="unlaunch")]


@hooks.register("before_bulk_action")
def refuse_bulk_delete_of_sold_goods(request, action_type, objects, action_class_instance):
    """The listing's bulk delete: refuse the whole batch when any SKU/SPU in it was sold."""
    if action_type != "delete" or not objects or not isinstance(objects[0], (SKU, SPU)):
        return None
    sold = [obj for obj in objects if blocking_rows(obj)]
    if not sold:
        return None
    names = "、".join(str(obj) for obj in sold[:5])
    messages.error(
        request,
        _("以下商品已有订单记录，不能删除：%(names)s。如需停止销售，请下架。") % {"names": names},
    )
    return redirect(reverse(type(objects[0]).snippet_viewset.get_url_name("list")))


# --- Choosers ----------------------------------------------------------------------------------------


class SpecificationChooserFilterForm(BaseFilterForm):
    """Search box of the specification chooser: the spec name or its SPU's name (icontains, fine for Chinese)."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("规格名称或商品SPU名称")}),
    )
    # The SKU form links its SPU field here (linked_fields): the chooser then lists that SPU's specifications.
    spu = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def filter(self, objects):
        objects = super().filter(objects)
        if self.cleaned_data.get("spu"):
            objects = objects.filter(spu_id=self.cleaned_data["spu"])
        query = (self.cleaned_data.get("q") or "").strip()[:50]
        if query:
            objects = objects.filter(Q(name__icontains=query) | Q(spu__name__icontains=query))
            self.is_searching, self.search_query = True, query
        return objects


class SpecificationChooseView(snippet_choosers.ChooseView):
    filter_form_class = SpecificationChooserFilterForm


class SpecificationChooseResultsView(snippet_choosers.ChooseResultsView):
    filter_form_class = SpecificationChooserFilterForm


class SpecificationChooserViewSet(snippet_choosers.SnippetChooserViewSet):
    choose_view_class = SpecificationChooseView
    choose_results_view_class = SpecificationChooseResultsView


# --- Viewsets -----------------------------------------------------------------------------------------


class CatalogViewSet(SnippetViewSet):
    """Common settings: database search (Chinese-friendly), 30 rows per page."""

    search_backend_name = None
    list_per_page = 30

    @property
    def breadcrumbs_items(self):
        """Wagtail's, with "Home" lazy: SnippetViewSet translates it once at start-up (issue 15)."""
        home, *rest = super().breadcrumbs_items
        return [{**home, "label": gettext_lazy("Home")}, *rest]


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
        UpdatedAtColumn(label=_("更新时间")),
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
    list_display = ["name", "sequence", UpdatedAtColumn(label=_("更新时间"))]
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
    list_display = ["name", "first_letter", UpdatedAtColumn(label=_("更新时间"))]
    list_filter = ["first_letter"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("first_letter"), FieldPanel("logo")]


class SPUViewSet(SoldGoodsViewSetMixin, CatalogViewSet):
    model = SPU
    icon = "doc-full-inverse"
    menu_label = _("商品SPU")
    menu_name = "spus"
    list_display = ["name", "brand", "category1", "category2", "category3", UpdatedAtColumn(label=_("更新时间"))]
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
    chooser_viewset_class = SpecificationChooserViewSet
    panels = [
        FieldPanel("spu"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("sequence")]),
        InlinePanel("options", heading=_("规格选项"), label=_("选项"), panels=[FieldPanel("value")], min_num=1),
    ]

    def get_queryset(self, request):
        return SPUSpecification.objects.select_related("spu").prefetch_related("options")


#: The spec chooser of a SKU's option rows opens on the specifications of the SPU chosen in the same form.
SPU_LINK = {"spu": "#id_spu"}


class SKUViewSet(SoldGoodsViewSetMixin, CatalogViewSet):
    model = SKU
    icon = "pick"
    menu_label = _("商品SKU")
    menu_name = "skus"
    list_display = ["name", "price", "stock", "sales", "is_launched", UpdatedAtColumn(label=_("更新时间"))]
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
                    FieldRowPanel([FieldPanel("stock"), FieldPanel("low_stock_threshold")]),
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
                        panels=[
                            FieldPanel("spec", widget=AdminSnippetChooser(SPUSpecification, linked_fields=SPU_LINK)),
                            FieldPanel("option"),
                        ],
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
