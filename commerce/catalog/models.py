"""Catalog models (SPEC B1). Money is Decimal CNY; stock and sales only change through services."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

money = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.00"))]}
MAX_CATEGORY_LEVEL = 3


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class GoodsCategory(index.Indexed, TimeStamped):
    """A node of the 3-level category tree; SKUs hang on the third level."""

    name = models.CharField(_("名称"), max_length=20)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="subs", on_delete=models.PROTECT, verbose_name=_("上级分类")
    )
    sequence = models.PositiveIntegerField(_("排序"), default=0)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("商品分类")
        verbose_name_plural = _("商品分类")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", args=[self.pk])

    @property
    def level(self) -> int:
        """1 for a top category. Stops at a cycle or past MAX_CATEGORY_LEVEL + 1 (rows saved before clean())."""
        level, node, seen = 1, self, {self.pk}
        while node.parent_id and node.parent_id not in seen and level <= MAX_CATEGORY_LEVEL:
            seen.add(node.parent_id)
            level, node = level + 1, node.parent
        return level

    def _subtree_height(self) -> int:
        """Levels below and including this category (1 for a leaf), bounded like `level`."""
        height, layer = 1, [self.pk]
        while layer and height <= MAX_CATEGORY_LEVEL:
            layer = list(GoodsCategory.objects.filter(parent_id__in=layer).values_list("pk", flat=True))
            if layer:
                height += 1
        return height

    def clean(self) -> None:
        """The tree stays a tree of at most three levels: no parent that is this category or below it."""
        super().clean()
        if self.parent_id is None:
            return
        chain, node = [], GoodsCategory.objects.filter(pk=self.parent_id).first()
        while node is not None and len(chain) <= MAX_CATEGORY_LEVEL:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": _("上级分类不能是本分类或它的下级分类")}, code="category_cycle")
            chain.append(node.pk)
            node = node.parent
        height = self._subtree_height() if self.pk else 1
        if len(chain) + height > MAX_CATEGORY_LEVEL:
            raise ValidationError(
                {"parent": _("分类最多三级：所选上级分类下不能再放这一层分类")}, code="category_too_deep"
            )


class GoodsChannelGroup(TimeStamped):
    """A row of the top category menu (e.g. 手机 / 电脑 / 家电)."""

    name = models.CharField(_("名称"), max_length=20)
    sequence = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("频道组")
        verbose_name_plural = _("频道组")

    def __str__(self) -> str:
        return self.name


class GoodsChannel(TimeStamped):
    """A first-level category placed in a channel group of the navigation menu, in order."""

    group = models.ForeignKey(
        GoodsChannelGroup, on_delete=models.CASCADE, related_name="channels", verbose_name=_("频道组")
    )
    category = models.ForeignKey(
        GoodsCategory,
        on_delete=models.CASCADE,
        related_name="channels",
        verbose_name=_("一级分类"),
        limit_choices_to={"parent__isnull": True},
    )
    url = models.CharField(_("频道页面链接"), max_length=200, blank=True)
    sequence = models.PositiveIntegerField(_("组内顺序"), default=0)

    class Meta:
        ordering = ["group__sequence", "sequence", "id"]
        verbose_name = _("商品频道")
        verbose_name_plural = _("商品频道")

    def __str__(self) -> str:
        return f"{self.group} / {self.category}"

    def clean(self) -> None:
        from commerce.links import validate_link

        super().clean()
        try:
            validate_link(self.url)
        except ValidationError as error:
            raise ValidationError({"url": error.messages}) from None


class Brand(index.Indexed, TimeStamped):
    name = models.CharField(_("名称"), max_length=20)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Logo"),
    )
    first_letter = models.CharField(_("品牌首字母"), max_length=1)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["first_letter", "name"]
        verbose_name = _("品牌")
        verbose_name_plural = _("品牌")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        letter = (self.first_letter or "").strip().upper()
        if not (len(letter) == 1 and "A" <= letter <= "Z"):
            raise ValidationError({"first_letter": _("品牌首字母必须是一个英文字母 A-Z")}, code="first_letter")
        self.first_letter = letter


class SPU(index.Indexed, TimeStamped):
    """Standard Product Unit (商品): what SKUs of one product share, including the rich content tabs."""

    name = models.CharField(_("名称"), max_length=50)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="spus", verbose_name=_("品牌"))
    category1 = models.ForeignKey(
        GoodsCategory, on_delete=models.PROTECT, related_name="cat1_spus", verbose_name=_("一级分类")
    )
    category2 = models.ForeignKey(
        GoodsCategory, on_delete=models.PROTECT, related_name="cat2_spus", verbose_name=_("二级分类")
    )
    category3 = models.ForeignKey(
        GoodsCategory, on_delete=models.PROTECT, related_name="cat3_spus", verbose_name=_("三级分类")
    )
    desc_detail = RichTextField(_("商品详情"), blank=True)
    desc_pack = RichTextField(_("包装信息"), blank=True)
    desc_service = RichTextField(_("售后服务"), blank=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["id"]
        verbose_name = _("商品SPU")
        verbose_name_plural = _("商品SPU")

    def __str__(self) -> str:
        return self.name


class SPUSpecification(ClusterableModel, TimeStamped):
    """A specification of an SPU (颜色, 内存), with its options edited inline."""

    spu = models.ForeignKey(SPU, on_delete=models.CASCADE, related_name="specs", verbose_name=_("商品SPU"))
    name = models.CharField(_("规格名称"), max_length=20)
    sequence = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["spu_id", "sequence", "id"]
        verbose_name = _("商品规格")
        verbose_name_plural = _("商品规格")

    def __str__(self) -> str:
        return f"{self.spu}: {self.name}"


class SpecificationOption(Orderable):
    spec = ParentalKey(SPUSpecification, on_delete=models.CASCADE, related_name="options", verbose_name=_("规格"))
    value = models.CharField(_("选项值"), max_length=20)

    class Meta(Orderable.Meta):
        verbose_name = _("规格选项")
        verbose_name_plural = _("规格选项")

    def __str__(self) -> str:
        return f"{self.spec.name}: {self.value}"


class SKU(index.Indexed, ClusterableModel, TimeStamped):
    """Stock Keeping Unit: one sellable option combination of an SPU, with prices, stock and images."""

    name = models.CharField(_("名称"), max_length=50)
    caption = models.CharField(_("副标题"), max_length=100, blank=True)
    spu = models.ForeignKey(SPU, on_delete=models.CASCADE, related_name="skus", verbose_name=_("商品SPU"))
    category = models.ForeignKey(
        GoodsCategory, on_delete=models.PROTECT, related_name="skus", verbose_name=_("三级分类")
    )
    price = models.DecimalField(_("单价"), **money)
    cost_price = models.DecimalField(_("进价"), **money)
    market_price = models.DecimalField(_("市场价"), **money)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("库存预警值"), default=0, help_text=_("上架商品的库存不高于此数时提醒运营；0 表示不提醒")
    )
    sales = models.PositiveIntegerField(_("销量"), default=0)
    comments = models.PositiveIntegerField(_("评价数"), default=0)
    is_launched = models.BooleanField(_("是否上架销售"), default=True)
    default_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("默认图片"),
    )

    search_fields = [
        index.SearchField("name"),
        index.SearchField("caption"),
        index.AutocompleteField("name"),
        index.FilterField("is_launched"),
        index.FilterField("category_id"),
    ]

    class Meta:
        ordering = ["id"]
        verbose_name = _("商品SKU")
        verbose_name_plural = _("商品SKU")

    def __str__(self) -> str:
        return f"{self.id}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("catalog:sku_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.price is not None and self.market_price is not None and self.market_price < self.price:
            raise ValidationError({"market_price": _("市场价不能低于单价")}, code="market_below_price")


class SKUImage(Orderable):
    sku = ParentalKey(SKU, on_delete=models.CASCADE, related_name="images", verbose_name=_("SKU"))
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+", verbose_name=_("图片"))

    class Meta(Orderable.Meta):
        verbose_name = _("SKU图片")
        verbose_name_plural = _("SKU图片")


class SKUSpecification(models.Model):
    """One option of the SKU's option set (one row per specification of its SPU)."""

    sku = ParentalKey(SKU, on_delete=models.CASCADE, related_name="specs", verbose_name=_("SKU"))
    spec = models.ForeignKey(SPUSpecification, on_delete=models.PROTECT, verbose_name=_("规格名称"))
    option = models.ForeignKey(SpecificationOption, on_delete=models.PROTECT, verbose_name=_("规格值"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sku", "spec"], name="sku_one_option_per_spec")]
        ordering = ["spec__sequence", "spec_id"]
        verbose_name = _("SKU规格")
        verbose_name_plural = _("SKU规格")

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.spec.name}={self.option.value}"


class GoodsVisitCount(models.Model):
    """Detail-page visits per third-level category per day (SPEC B4, shown on the operator dashboard)."""

    category = models.ForeignKey(GoodsCategory, on_delete=models.CASCADE, related_name="visits", verbose_name=_("分类"))
    date = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("访问量"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "date"], name="one_visit_row_per_category_day")]
        ordering = ["-date", "category_id"]
        verbose_name = _("分类访问量")
        verbose_name_plural = _("分类访问量")

    def __str__(self) -> str:
        return f"{self.category_id} {self.date}: {self.count}"


class VisitFlush(models.Model):
    """A batch of Redis visit counts already added to GoodsVisitCount (commerce.catalog.visits): its id is
    written in the same transaction as the counts, so a batch is never added twice."""

    batch = models.CharField(_("批次"), max_length=64, unique=True)
    applied_at = models.DateTimeField(_("写入时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("访问量写入批次")
        verbose_name_plural = _("访问量写入批次")

    def __str__(self) -> str:
        return self.batch
