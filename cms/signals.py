"""Which edits refresh which static pages (SPEC B6). Thin receivers: they only queue jobs after commit.

- a Wagtail page published or unpublished (editor, or `publish_scheduled`) -> the home page;
- a SKU, its images or its option set -> the detail pages of its SPU's SKUs (the spec switcher shows them
  all); a deleted SKU also has its own files removed;
- an SPU, its specifications and options, a brand -> the detail pages of the SKUs they appear on;
- a category, channel or channel group (menu and breadcrumbs on every page) -> everything;
- a Wagtail Site saved or deleted -> no page, but every process forgets the Site it keeps (cms.sites).

The home page's product floors follow price and name edits through the scheduler (every 5 minutes).
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save

from cms import jobs

logger = logging.getLogger(__name__)


def queue_home() -> None:
    jobs.build_home_page()


def queue_sku(sku_id: int) -> None:
    jobs.build_sku_page(sku_id)


def queue_spu(spu_id: int | None) -> None:
    if spu_id:
        jobs.build_spu_pages(spu_id)


def queue_all() -> None:
    jobs.build_all_pages()


# --- receivers ----------------------------------------------------------------------------------------


def page_changed(sender, instance, **kwargs) -> None:
    """A page published or unpublished: the static home page is rebuilt, and every process looks its Site up
    again (cms.sites keeps the Site with its root page loaded: the home page it serves is that instance)."""
    from django.db import transaction

    from cms.sites import forget_sites

    transaction.on_commit(forget_sites, robust=True)
    queue_home()


def sku_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        queue_spu(instance.spu_id)


def sku_deleted(sender, instance, **kwargs) -> None:
    queue_sku(instance.pk)
    queue_spu(instance.spu_id)


def sku_part_changed(sender, instance, raw=False, **kwargs) -> None:
    """SKUImage / SKUSpecification: the owning SKU's SPU family."""
    if raw:
        return
    from commerce.catalog.models import SKU

    spu_id = SKU.objects.filter(pk=instance.sku_id).values_list("spu_id", flat=True).first()
    if spu_id:
        queue_spu(spu_id)
    else:
        queue_sku(instance.sku_id)


def spu_saved(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        queue_spu(instance.pk)


def spec_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        queue_spu(instance.spu_id)


def option_changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    from commerce.catalog.models import SPUSpecification

    queue_spu(SPUSpecification.objects.filter(pk=instance.spec_id).values_list("spu_id", flat=True).first())


def brand_saved(sender, instance, raw=False, **kwargs) -> None:
    if raw or kwargs.get("created"):
        return
    for spu_id in instance.spus.values_list("pk", flat=True):
        queue_spu(spu_id)


def navigation_changed(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        queue_all()


def shop_setting_saved(sender, instance, raw=False, using=None, **kwargs) -> None:
    """The freight rule (every product page's claim) or the suggested searches (every page's header)."""
    if raw:
        return
    from django.db import transaction

    from cms.templatetags.shop_cms import forget_hot_search_words

    transaction.on_commit(forget_hot_search_words, using=using, robust=True)
    queue_all()


def site_changed(sender, instance, raw=False, using=None, **kwargs) -> None:
    """A Site saved or deleted (or deleted with its root page): every process looks the request's Site up again."""
    from django.db import transaction

    from cms.sites import forget_sites

    transaction.on_commit(forget_sites, using=using, robust=True)


def connect() -> None:
    """Wire the receivers (called once from CmsConfig.ready)."""
    from wagtail.models import Site
    from wagtail.signals import page_published, page_unpublished

    from cms.models import SearchSettings
    from commerce.catalog import models as catalog
    from commerce.orders.models import FreightRule

    post_save.connect(site_changed, sender=Site, dispatch_uid="known-sites:site-saved")
    post_delete.connect(site_changed, sender=Site, dispatch_uid="known-sites:site-deleted")
    page_published.connect(page_changed, dispatch_uid="static-pages:page-published")
    page_unpublished.connect(page_changed, dispatch_uid="static-pages:page-unpublished")
    post_save.connect(sku_saved, sender=catalog.SKU, dispatch_uid="static-pages:sku-saved")
    post_delete.connect(sku_deleted, sender=catalog.SKU, dispatch_uid="static-pages:sku-deleted")
    for model in (catalog.SKUImage, catalog.SKUSpecification):
        post_save.connect(sku_part_changed, sender=model, dispatch_uid=f"static-pages:{model.__name__}-saved")
        post_delete.connect(sku_part_changed, sender=model, dispatch_uid=f"static-pages:{model.__name__}-deleted")
    post_save.connect(spu_saved, sender=catalog.SPU, dispatch_uid="static-pages:spu-saved")
    post_save.connect(spec_changed, sender=catalog.SPUSpecification, dispatch_uid="static-pages:spec-saved")
    post_delete.connect(spec_changed, sender=catalog.SPUSpecification, dispatch_uid="static-pages:spec-deleted")
    post_save.connect(option_changed, sender=catalog.SpecificationOption, dispatch_uid="static-pages:option-saved")
    post_delete.connect(option_changed, sender=catalog.SpecificationOption, dispatch_uid="static-pages:option-deleted")
    post_save.connect(brand_saved, sender=catalog.Brand, dispatch_uid="static-pages:brand-saved")
    for model in (catalog.GoodsCategory, catalog.GoodsChannel, catalog.GoodsChannelGroup):
        post_save.connect(navigation_changed, sender=model, dispatch_uid=f"static-pages:{model.__name__}-saved")
        post_delete.connect(navigation_changed, sender=model, dispatch_uid=f"static-pages:{model.__name__}-deleted")
    for model in (FreightRule, SearchSettings):
        post_save.connect(shop_setting_saved, sender=model, dispatch_uid=f"static-pages:{model.__name__}-saved")
