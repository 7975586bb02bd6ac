"""Demo content: the published home page built from the demo catalog (called by `manage.py load_demo`)."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from wagtail.models import Page, Site

from cms.models import HomeFloor, HomePage
from commerce.catalog.models import SKU, GoodsChannel

logger = logging.getLogger(__name__)

HOME_TITLE = "美好商城首页"
HOME_SLUG = "meihao-home"
FLOOR_SIZE = 8

NEWS = [
    "美好商城新品季：数码家电满 999 减 100",
    "会员日福利：每周三积分翻倍",
    "以旧换新服务覆盖全国 300 城",
    "7 天无理由退货，售后无忧",
    "支付宝支付随机立减，最高 50 元",
]


def _block(block_type: str, value: dict) -> dict:
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def _slides(skus: list[SKU], block_type: str) -> list[dict]:
    return [
        _block(block_type, {"image": sku.default_image_id, "title": sku.name, "link": sku.get_absolute_url()})
        for sku in skus
    ]


def _fill(home: HomePage) -> None:
    with_images = list(SKU.objects.filter(is_launched=True, default_image__isnull=False).order_by("-sales", "id")[:8])
    home.carousel = _slides(with_images[:4], "slide")
    home.promotions = _slides(with_images[4:8] or with_images[:4], "promotion")
    channels = list(GoodsChannel.objects.select_related("category").order_by("group__sequence", "sequence", "id"))
    news_links = [c.category.get_absolute_url() for c in channels] or ["/"]
    home.news = [
        _block("news", {"title": title, "link": news_links[i % len(news_links)]}) for i, title in enumerate(NEWS)
    ]
    floors = []
    for sequence, channel in enumerate(channels):
        sku_ids = SKU.objects.filter(is_launched=True, spu__category1=channel.category_id).order_by("-sales", "id")
        floors.append(
            HomeFloor(
                channel=channel,
                title=channel.category.name,
                sort_order=sequence,
                skus=[_block("sku", sku_id) for sku_id in sku_ids.values_list("id", flat=True)[:FLOOR_SIZE]],
            )
        )
    home.floors = floors


@transaction.atomic
def ensure_demo_home_page() -> HomePage:
    """Make a published HomePage titled "美好商城首页" the root page of the default Site and return it.

    Idempotent: an existing HomePage is kept as editors left it (only re-attached to the site if needed).
    Wagtail's default "Welcome" page, if it is still the site root, is replaced and deleted.
    """
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    if home is None:
        home = HomePage(title=HOME_TITLE, slug=HOME_SLUG)
        _fill(home)
        root.add_child(instance=home)
        home.save_revision().publish()
        logger.info("created the demo home page (id %s)", home.pk)

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(hostname="localhost", port=80, is_default_site=True, site_name="美好商城")
    previous_root_id = site.root_page_id
    if previous_root_id != home.pk:
        site.root_page = home
        site.site_name = site.site_name or "美好商城"
        site.save()
        previous = Page.objects.filter(pk=previous_root_id).first() if previous_root_id else None
        # Only Wagtail's untyped welcome page goes; any real page an editor made stays.
        if previous is not None and previous.depth == 2 and previous.specific_class is Page:
            previous.delete()
    return HomePage.objects.get(pk=home.pk)
