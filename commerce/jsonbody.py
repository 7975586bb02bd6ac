"""Parse JSON a client sent: every way it can be wrong is a ValueError, never a 500.

``json.loads`` raises ``RecursionError`` (not a ValueError) for deeply nested input such as 3,000 ``[``, and
``UnicodeDecodeError`` for bytes that are not UTF-8; entry points catch ``ValueError`` only.
"""

from __future__ import annotations

import json
from typing import Any


def loads(raw: bytes | str) -> Any:
    """The decoded value of `raw`; raises ValueError for bad syntax, bad UTF-8 or nesting too deep."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
