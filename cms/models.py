"""Wagtail pages of the shop (SPEC B3): the home page with carousel, promotions, news and one floor per channel.

Because HomePage is a Wagtail Page, editors get drafts, preview, revisions and scheduled publishing for free
(scheduled go-live needs `manage.py publish_scheduled` to run periodically).
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageViewRestriction

from cms.blocks import CarouselSlideBlock, FloorSKUBlock, NewsBlock, PromotionBlock
from commerce import page_memo


class HomePage(Page):
    """The shop's front page; exactly one, at the root of the site."""

    carousel = StreamField([("slide", CarouselSlideBlock())], blank=True, verbose_name=_("轮播图"))
    promotions = StreamField([("promotion", PromotionBlock())], blank=True, verbose_name=_("促销位"))
    news = StreamField([("news", NewsBlock())], blank=True, verbose_name=_("商城快讯"))

    parent_page_types = ["wagtailcore.Page"]
    subpage_types: list[str] = []
    max_count = 1

    content_panels = Page.content_panels + [
        FieldPanel("carousel"),
        MultiFieldPanel([FieldPanel("promotions"), FieldPanel("news")], heading=_("促销与快讯")),
        InlinePanel("floors", label=_("楼层"), heading=_("商品楼层")),
    ]

    template = "cms/home_page.html"

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        """The floors, lazily, and `floors_version`, which keys the per-process cache of the floors' HTML
        (`{% cache %}` in the template): a warm process renders a home page with one light query for its
        floors (the chosen SKUs' version), without loading or drawing a single SKU card."""
        context = super().get_context(request, *args, **kwargs)
        floors, chosen = self._floors(request)
        context["floors"] = _Once(lambda: self.build_floors(floors, chosen))
        context["floors_version"] = self.floors_version(request, floors, chosen)
        return context

    def _floors(self, request) -> tuple[list[HomeFloor], dict[int, list[int]]]:
        """The floors with their channels, and each floor's chosen SKU ids. On the live page they are kept on
        this instance: cms.sites keeps it per process as the Site's root page and loads it again after a publish
        (floors change only with one), and the menu's version, which every channel or category edit moves, says
        when the channels they show must be read again."""
        from commerce.catalog.selectors import get_category_menu_version

        live = not getattr(request, "is_preview", False)
        menu = get_category_menu_version() if live else None
        kept = self.__dict__.get("_kept_floors")
        if kept is None or kept[0] != menu or not live:
            floors = list(self.floors.select_related("channel__category").all())
            kept = (menu, floors, _chosen_sku_ids(floors))
            if live:
                self._kept_floors = kept
        return kept[1], kept[2]

    def get_view_restrictions(self):
        """Wagtail's view restrictions of this page and its ancestors, without the query that lists the ancestors:
        the home page sits right under the tree's root (`parent_page_types`), which is never an alias, so the rows
        to check are this page's and the root's, found by its path."""
        if self.alias_of_id or self.depth != 2:
            return super().get_view_restrictions()
        return PageViewRestriction.objects.filter(Q(page_id=self.pk) | Q(page__path=self.path[: self.steplen]))

    def serve(self, request, *args, **kwargs):
        """The published page, drawn once per process for logged-out visitors under everything it shows: the
        revision (carousel, promotions, news), the floors and their SKUs (`floors_version`); see
        commerce.page_memo."""
        request.is_preview = False
        context = self.get_context(request, *args, **kwargs)
        template = self.get_template(request, *args, **kwargs)
        return page_memo.render_page(request, template, context, key=("home", self.pk, context["floors_version"]))

    def floors_version(self, request, floors: list[HomeFloor], chosen: dict) -> str:
        """Changes with the published revision, the floors and their channels, and any chosen SKU's save."""
        from commerce.catalog.selectors import get_skus_version

        if getattr(request, "is_preview", False):  # a draft's floors are not the published ones: never reuse
            return f"preview-{uuid.uuid4().hex}"
        shape = [
            (self.pk, self.live_revision_id, self.last_published_at),
            [(f.pk, f.title, f.channel_id, f.channel.updated_at if f.channel else None) for f in floors],
            get_skus_version(sku_id for ids in chosen.values() for sku_id in ids),
        ]
        return hashlib.md5(repr(shape).encode(), usedforsecurity=False).hexdigest()

    def build_floors(self, floors: list[HomeFloor] | None = None, chosen: dict | None = None) -> list[dict]:
        """Floors in editor order with their launched SKUs loaded in one query (unlaunched SKUs and floors left
        without any are hidden)."""
        from commerce.catalog.selectors import list_skus_by_ids

        if floors is None:
            floors = list(self.floors.select_related("channel__category").all())
        if chosen is None:
            chosen = _chosen_sku_ids(floors)
        skus = list_skus_by_ids({sku_id for ids in chosen.values() for sku_id in ids})
        built = [
            {"floor": floor, "skus": [skus[sku_id] for sku_id in chosen[id(floor)] if sku_id in skus]}
            for floor in floors
        ]
        # A floor with nothing on sale would be a dead end for the shopper: it stays out until it has products.
        return [item for item in built if item["skus"]]


def _chosen_sku_ids(floors: list[HomeFloor]) -> dict[int, list[int]]:
    """Each floor's chosen SKU ids in order, keyed by id(floor) (a floor in a preview has no pk yet); read from
    the StreamField's raw data, without loading the SKUs one floor at a time."""
    return {id(floor): [item["value"] for item in floor.skus.raw_data if item.get("value")] for floor in floors}


class _Once:
    """A value computed on first use, for a template that may not need it (its fragment is cached)."""

    def __init__(self, load) -> None:
        self.load = load
        self.loaded = None

    def __call__(self):
        if self.loaded is None:
            self.loaded = self.load()
        return self.loaded


class HomeFloor(Orderable):
    """A floor of the home page: one channel's title and its chosen SKUs, in order."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="floors")
    channel = models.ForeignKey(
        "catalog.GoodsChannel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("频道"),
    )
    title = models.CharField(_("楼层标题"), max_length=30)
    skus = StreamField([("sku", FloorSKUBlock())], blank=True, verbose_name=_("商品"))

    panels = [FieldPanel("title"), FieldPanel("channel"), FieldPanel("skus")]

    class Meta(Orderable.Meta):
        verbose_name = _("楼层")
        verbose_name_plural = _("楼层")

    def __str__(self) -> str:
        return self.title


DEFAULT_HOT_WORDS = "手机 笔记本 耳机 电视"
# Product names are Chinese; in English, brand and model names are what a search can find.
DEFAULT_HOT_WORDS_EN = "iPhone MacBook Xiaomi Huawei"
MAX_HOT_WORDS = 8


@register_setting(icon="search")
class SearchSettings(BaseGenericSetting):
    """Editor-managed suggested searches under the header's search box (SPEC C1), e.g. 手机 笔记本 耳机 电视."""

    hot_words = models.CharField(
        _("热门搜索词"),
        max_length=200,
        blank=True,
        default=DEFAULT_HOT_WORDS,
        help_text=_("显示在搜索框下方，用空格分隔，最多 8 个；请确认每个词都能搜到商品"),
    )

    hot_words_en = models.CharField(
        _("热门搜索词（英文页面）"),
        max_length=200,
        blank=True,
        default=DEFAULT_HOT_WORDS_EN,
        help_text=_("英文页面显示的搜索词，用空格分隔；商品名是中文，宜用品牌、型号等能搜到商品的词"),
    )

    panels = [FieldPanel("hot_words"), FieldPanel("hot_words_en")]

    class Meta:
        verbose_name = _("搜索设置")
        verbose_name_plural = _("搜索设置")

    def __str__(self) -> str:
        return str(_("搜索设置"))

    @property
    def words(self) -> list[str]:
        return self.words_for("zh-hans")

    def words_for(self, language: str) -> list[str]:
        """The words of a language in order, without duplicates, at most MAX_HOT_WORDS of at most 20 characters."""
        seen: list[str] = []
        for word in (self.hot_words_en if language.startswith("en") else self.hot_words).split():
            word = word[:20]
            if word not in seen:
                seen.append(word)
        return seen[:MAX_HOT_WORDS]
