"""Haystack index of launched SKUs (SPEC C1): name, caption and the goods text, plus sort fields."""

from __future__ import annotations

from haystack import indexes

from commerce.catalog.models import SKU


class SKUIndex(indexes.SearchIndex, indexes.Indexable):
    """One document per launched SKU; unlaunched SKUs are never indexed (the job removes them)."""

    text = indexes.CharField(document=True, use_template=True, template_name="search/indexes/catalog/sku_text.txt")
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
