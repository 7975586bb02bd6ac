"""StreamField blocks of the home page; each block renders through its own template in templates/blocks/."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class CarouselSlideBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    title = blocks.CharBlock(label=_("标题"), max_length=60)
    link = blocks.CharBlock(label=_("链接"), max_length=300, required=False, help_text=_("例如 /goods/1/ 或完整网址"))

    class Meta:
        icon = "image"
        label = _("轮播图")
        template = "blocks/carousel_slide.html"


class PromotionBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    title = blocks.CharBlock(label=_("标题"), max_length=60)
    link = blocks.CharBlock(label=_("链接"), max_length=300, required=False)

    class Meta:
        icon = "tag"
        label = _("促销位")
        template = "blocks/promotion.html"


class NewsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=60)
    link = blocks.CharBlock(label=_("链接"), max_length=300, required=False)

    class Meta:
        icon = "doc-full"
        label = _("快讯")
        template = "blocks/news_item.html"


class FloorSKUBlock(SnippetChooserBlock):
    """A SKU chosen for a floor (catalog SKUs are Wagtail snippets)."""

    def __init__(self, **kwargs):
        super().__init__("catalog.SKU", **kwargs)

    class Meta:
        icon = "pick"
        label = _("商品")
        template = "blocks/sku_card.html"
