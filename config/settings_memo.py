"""Values worked out from settings once per process, and again after a setting changes (tests override them).

Code on a hot path (the flash-sale press reads two dozen settings) should not go through `LazySettings` and
rebuild the same objects for every request; `from_settings(make)` keeps `make()`'s result until Django's
`setting_changed` signal fires (only tests change settings at run time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.signals import setting_changed

T = TypeVar("T")


def from_settings(make: Callable[[], T]) -> Callable[[], T]:
    """A function returning `make()`, made on the first call and again after any setting changes."""
    kept: list[T] = []

    def current() -> T:
        if not kept:
            kept.append(make())
        return kept[0]

    def forget(**_kwargs) -> None:
        kept.clear()

    setting_changed.connect(forget, weak=False)
    current.__doc__ = make.__doc__
    return current
