"""Error codes of the catalog (its business errors are raised by bulk.py: variant generator, bulk edit)."""

from __future__ import annotations

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    """Every `code` a catalog error carries. The values are API-visible (JSON bodies, logs): never change one."""

    BAD_PRICE = "bad_price"
    BAD_STOCK = "bad_stock"
    FOREIGN_OPTION = "foreign_option"
    INVALID_BULK_EDIT = "invalid_bulk_edit"
    INVALID_VARIANTS = "invalid_variants"
    NO_SPECS = "no_specs"
    SPEC_WITHOUT_OPTION = "spec_without_option"
    TOO_MANY_ROWS = "too_many_rows"
    TOO_MANY_VARIANTS = "too_many_variants"
    UNKNOWN_SPU = "unknown_spu"
