"""Haystack index of launched SKUs (SPEC C1): name, caption and the goods text, plus sort fields."""

from __future__ import annotations

from functools import lru_cache

from django.utils.html import strip_tags
from haystack import indexes

from commerce.catalog.models import SKU


@lru_cache(maxsize=1024)
def _plain(html: str) -> str:
    """An SPU's rich text without its HTML (remembered: the SKUs of one SPU share it, and stripping tags of a
    long detail text costs more than segmenting it)."""
    return strip_tags(html)


class SKUIndex(indexes.SearchIndex, indexes.Indexable):
    """One document per launched SKU; unlaunched SKUs are never indexed (the job removes them)."""

    text = indexes.CharField(document=True)
    sku_id = indexes.IntegerField(model_attr="id")
    price = indexes.FloatField(model_attr="price")
    sales = indexes.IntegerField(model_attr="sales")
    comments = indexes.IntegerField(model_attr="comments")

    def get_model(self):
        return SKU

    def index_queryset(self, using=None):
        return self.get_model().objects.filter(is_launched=True).select_related("spu", "spu__brand")

    def should_update(self, instance, **kwargs):
        return instance.is_launched

    def prepare_text(self, obj: SKU) -> str:
        """The searched text, one part per line: SKU name and caption, SPU name, brand, the SPU's detail text."""
        spu = obj.spu
        brand = spu.brand.name if spu.brand_id else ""
        return "\n".join([obj.name, obj.caption, spu.name, brand, _plain(spu.desc_detail or "")])
