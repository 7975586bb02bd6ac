"""Catalog's templates reach no upper app either (issue 18): the product page's comments and freight claim come
from orders through catalog.sku_page's slots, not by loading orders' template tags or including its templates.
(Python imports are checked by import-linter's contracts in pyproject.toml.)"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "catalog"
UPPER_TAG_LIBRARIES = {"order_comments", "freight"}  # orders' tag libraries


def test_catalog_templates_load_no_upper_app_tags_and_include_no_upper_app_template():
    files = sorted(TEMPLATES.glob("*.html"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        loaded = {name for tag in re.findall(r"{%\s*load\s+([^%]+)%}", text) for name in tag.split()}
        assert not loaded & UPPER_TAG_LIBRARIES, (path.name, loaded & UPPER_TAG_LIBRARIES)
        included = re.findall(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)", text)
        assert not [name for name in included if name.split("/")[0] in {"orders", "accounts", "cart", "payments"}]
