"""Bar-chart geometry for the admin's inline SVG charts (no script, no CDN): the template
`orders/admin/includes/bar_chart.html` only draws what is computed here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from commerce.money import format_yuan


@dataclass(frozen=True)
class Bar:
    """One bar and where its two captions go (SVG user units)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool = True
    show_value: bool = True


@dataclass(frozen=True)
class BarChart:
    """A bar chart laid out for inline SVG: the template only draws what is computed here."""

    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    horizontal: bool = False

    @property
    def empty(self) -> bool:
        return not self.bars


def _fmt(value: Decimal | int) -> str:
    """Money (a Decimal) as "¥1,234.00", counts as they are."""
    return format_yuan(value, grouping=True) if isinstance(value, Decimal) else str(value)


def column_chart(title: str, points: list[tuple[str, Decimal | int]], *, width=560, height=220) -> BarChart:
    """Vertical bars, one per point (label under it, value above it), scaled to the largest value. With more than
    14 points the values are left to the tooltips and only about ten labels are written, so they never overlap."""
    top, bottom, side = 24.0, 28.0, 8.0
    peak = max((value for _label, value in points), default=0) or 1
    slot = (width - 2 * side) / max(len(points), 1)
    usable = height - top - bottom
    crowded = len(points) > 14
    step = -(-len(points) // 10) if crowded else 1
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(float(value) / float(peak) * usable, 1)
        x = round(side + index * slot + slot * 0.15, 1)
        y = round(top + usable - bar_height, 1)
        bar_width = round(slot * 0.7, 1)
        centre = round(x + bar_width / 2, 1)
        bars.append(
            Bar(
                x=x,
                y=y,
                width=bar_width,
                height=bar_height,
                label=label,
                value=_fmt(value),
                label_x=centre,
                label_y=height - 8.0,
                value_x=centre,
                value_y=round(y - 6, 1),
                show_label=index % step == 0,
                show_value=not crowded,
            )
        )
    return BarChart(title=title, width=width, height=height, baseline=top + usable, bars=bars)


def row_chart(title: str, points: list[tuple[str, int]], *, width=560, row=26) -> BarChart:
    """Horizontal bars (label left, value right), for per-category visits."""
    label_width, value_width = 140.0, 60.0
    peak = max((value for _label, value in points), default=0) or 1
    usable = width - label_width - value_width
    bars = []
    for index, (label, value) in enumerate(points):
        bar_width = round(max(float(value) / float(peak) * usable, 1.0), 1)
        y = float(index * row + 4)
        bars.append(
            Bar(
                x=label_width,
                y=y,
                width=bar_width,
                height=float(row - 8),
                label=label,
                value=_fmt(value),
                label_x=label_width - 6,
                label_y=y + 13,
                value_x=label_width + bar_width + 6,
                value_y=y + 13,
            )
        )
    return BarChart(title=title, width=width, height=max(len(points), 1) * row, baseline=0, bars=bars, horizontal=True)
