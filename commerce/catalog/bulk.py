"""Catalog writes for operators' bulk tools (issue #15): generate an SPU's missing SKUs from chosen option values,
and edit price, stock and 上架 of several SKUs at once.

Both go through ORM saves, so the usual receivers run (search index, static pages, caches) and a stock change is
announced to the live stock pages through `catalog.stock.stock_changed` after commit (commerce.catalog.signals).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from commerce.catalog.errors import CatalogErrorCode
from commerce.catalog.models import SKU, SPU, SKUSpecification, SpecificationOption, SPUSpecification
from commerce.errors import CommerceError

_PRICE = re.compile(r"(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?")
_STOCK = re.compile(r"[0-9]{1,9}")
MAX_VARIANTS = 200
MAX_BULK_ROWS = 100


class InvalidVariants(CommerceError):
    code = CatalogErrorCode.INVALID_VARIANTS
    default_message = "生成 SKU 的参数不正确"


class InvalidBulkEdit(CommerceError):
    """Some rows are wrong: `errors` maps SKU id to its messages; nothing was saved."""

    code = CatalogErrorCode.INVALID_BULK_EDIT
    default_message = "部分行填写有误，未保存任何修改"

    def __init__(self, errors: dict[int, list[str]]) -> None:
        super().__init__(_("部分行填写有误，未保存任何修改"))
        self.errors = errors


def parse_price(text: str) -> Decimal | None:
    """A price in yuan (above 0, at most two decimals, below 100 million), or None."""
    text = (text or "").strip()
    if not _PRICE.fullmatch(text) or Decimal(text) <= 0:
        return None
    return Decimal(text)


def parse_stock(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if _STOCK.fullmatch(text) else None


# --- Variant generator -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedVariants:
    created: list[SKU]
    skipped: int


def option_sets(spu: SPU) -> set[frozenset[int]]:
    """The option sets of the SPU's SKUs (each SKU's chosen option ids)."""
    sets: dict[int, set[int]] = {sku_id: set() for sku_id in spu.skus.values_list("pk", flat=True)}
    for sku_id, option_id in SKUSpecification.objects.filter(sku__spu=spu).values_list("sku_id", "option_id"):
        sets[sku_id].add(option_id)
    return {frozenset(options) for options in sets.values()}


@transaction.atomic
def generate_variants(
    *, spu_id: int, option_ids: list[int], price: Decimal, stock: int, launched: bool = False
) -> GeneratedVariants:
    """Create one SKU per combination of the chosen options (at least one per specification of the SPU) that no
    SKU of the SPU has yet: named "<SPU> <values>", at `price` (also its market and cost price, to be edited),
    with `stock`, in the SPU's third-level category, launched or not. Running it again creates nothing new.

    Raises InvalidVariants (nothing written): unknown SPU, an SPU without specifications, a specification
    without a chosen option, an option of another SPU, a bad price or stock, too many combinations.
    """
    if price is None or price <= 0:
        raise InvalidVariants(_("请填写大于 0 的单价（最多两位小数）"), code=CatalogErrorCode.BAD_PRICE)
    if stock is None or stock < 0:
        raise InvalidVariants(_("库存必须是 0 或正整数"), code=CatalogErrorCode.BAD_STOCK)
    spu = SPU.objects.select_for_update().filter(pk=spu_id).first()  # one generator per SPU at a time
    if spu is None:
        raise InvalidVariants(_("商品SPU不存在"), code=CatalogErrorCode.UNKNOWN_SPU)
    specs = list(SPUSpecification.objects.filter(spu=spu).order_by("sequence", "id"))
    if not specs:
        raise InvalidVariants(_("该商品SPU还没有规格，请先添加规格及选项"), code=CatalogErrorCode.NO_SPECS)
    chosen = list(SpecificationOption.objects.filter(pk__in=set(option_ids)).select_related("spec"))
    if len(chosen) != len(set(option_ids)) or any(option.spec.spu_id != spu.pk for option in chosen):
        raise InvalidVariants(_("所选选项不属于该商品SPU"), code=CatalogErrorCode.FOREIGN_OPTION)
    per_spec = [[o for o in sorted(chosen, key=lambda o: (o.sort_order, o.pk)) if o.spec_id == s.pk] for s in specs]
    empty = [spec.name for spec, options in zip(specs, per_spec, strict=True) if not options]
    if empty:
        raise InvalidVariants(
            _("请为以下规格各至少选择一个选项：%(names)s") % {"names": "、".join(empty)},
            code=CatalogErrorCode.SPEC_WITHOUT_OPTION,
        )
    combinations = list(itertools.product(*per_spec))
    if len(combinations) > MAX_VARIANTS:
        raise InvalidVariants(
            _("一次最多生成 %(max)s 个 SKU，当前组合数为 %(count)s")
            % {"max": MAX_VARIANTS, "count": len(combinations)},
            code=CatalogErrorCode.TOO_MANY_VARIANTS,
        )
    existing = option_sets(spu)
    created: list[SKU] = []
    for combination in combinations:
        if frozenset(option.pk for option in combination) in existing:
            continue
        sku = SKU(
            name=f"{spu.name} {' '.join(option.value for option in combination)}"[:50],
            spu=spu,
            category_id=spu.category3_id,
            price=price,
            market_price=price,
            cost_price=price,
            stock=stock,
            is_launched=launched,
        )
        sku.save()
        SKUSpecification.objects.bulk_create(
            [SKUSpecification(sku=sku, spec_id=option.spec_id, option=option) for option in combination]
        )
        created.append(sku)
    return GeneratedVariants(created=created, skipped=len(combinations) - len(created))


# --- Bulk edit -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkRow:
    sku_id: int
    price: str
    stock: str
    is_launched: bool


@transaction.atomic
def bulk_edit_skus(rows: list[BulkRow]) -> int:
    """Set price, stock and 上架 of each row's SKU, all or nothing. Returns how many SKUs changed.

    Each row is checked (price above 0 with at most two decimals and not above the market price, stock a whole
    number from 0); any wrong row raises InvalidBulkEdit with every row's messages and nothing is saved. SKUs
    are locked in id order, so two operators' batches apply one after the other.
    """
    if len(rows) > MAX_BULK_ROWS:
        raise CommerceError(
            _("一次最多修改 %(max)s 个 SKU") % {"max": MAX_BULK_ROWS}, code=CatalogErrorCode.TOO_MANY_ROWS
        )
    locked = SKU.objects.select_for_update().filter(pk__in=[r.sku_id for r in rows]).order_by("pk")
    skus = {sku.pk: sku for sku in locked}
    errors: dict[int, list[str]] = {}
    changes: list[tuple[SKU, dict]] = []
    for row in rows:
        sku = skus.get(row.sku_id)
        if sku is None:
            errors[row.sku_id] = [_("SKU 不存在或已被删除")]
            continue
        problems: list[str] = []
        price, stock = parse_price(row.price), parse_stock(row.stock)
        if price is None:
            problems.append(_("单价必须是大于 0、最多两位小数的数字"))
        elif price > sku.market_price:
            problems.append(_("单价不能高于市场价 ¥%(market)s") % {"market": sku.market_price})
        if stock is None:
            problems.append(_("库存必须是 0 或正整数"))
        if problems:
            errors[row.sku_id] = problems
            continue
        fields = {
            name: value
            for name, value in (("price", price), ("stock", stock), ("is_launched", row.is_launched))
            if getattr(sku, name) != value
        }
        if fields:
            changes.append((sku, fields))
    if errors:
        raise InvalidBulkEdit(errors)
    for sku, fields in changes:
        for name, value in fields.items():
            setattr(sku, name, value)
        sku.save(update_fields=[*fields, "updated_at"])  # receivers: stock push after commit, index, pages
    return len(changes)
