"""StreamField blocks of the home page; each block renders through its own template in templates/blocks/."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from commerce.links import validate_link


class LinkedStructBlock(blocks.StructBlock):
    """A block with a `link` an editor types: only http(s) URLs or local paths (never ``javascript:``)."""

    def clean(self, value):
        result = super().clean(value)
        try:
            validate_link(result.get("link"))
        except ValidationError as error:
            raise StructBlockValidationError(block_errors={"link": error}) from None
        return result


class CarouselSlideBlock(LinkedStructBlock):
    image = ImageChooserBlock(label=_("图片"))
    title = blocks.CharBlock(label=_("标题"), max_length=60)
    link = blocks.CharBlock(label=_("链接"), max_length=300, required=False, help_text=_("例如 /goods/1/ 或完整网址"))

    class Meta:
        icon = "image"
        label = _("轮播图")
        template = "blocks/carousel_slide.html"


class PromotionBlock(LinkedStructBlock):
    image = ImageChooserBlock(label=_("图片"))
    title = blocks.CharBlock(label=_("标题"), max_length=60)
    link = blocks.CharBlock(label=_("链接"), max_length=300, required=False)

    class Meta:
        icon = "tag"
        label = _("促销位")
        template = "blocks/promotion.html"


class NewsBlock(LinkedStructBlock):
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
