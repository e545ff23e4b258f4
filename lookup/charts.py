"""Charts drawn on the server as inline SVG: no script, no external library, nothing for the CSP to allow.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and summarised by its ``<desc>``; the
page puts a table of the same numbers beside it. Colours come from CSS classes (``static/css/
statistics.css``), so the markup holds geometry only. Sizes are in the SVG's own units; the
``viewBox`` scales it to the width of the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
FONT = 12


@dataclass(frozen=True)
class Series:
    """One coloured part of a stacked bar: its CSS class and its name in the legend."""

    css: str
    label: str


def number(value: float | int) -> str:
    """1,234 or 12.5: thousands separated, at most one decimal."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def text_width(text: str, size: float = FONT) -> float:
    """About how wide ``text`` is drawn: a Chinese character is square, a Latin one about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def fit(text: str, width: float, size: float = FONT) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (the table beside the chart has it whole)."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _nice_max(value: float) -> float:
    """A round number at or above ``value`` for the scale's end (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _open(chart_id: str, title: str, desc: str, height: float) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _rect(x: float, y: float, w: float, h: float, css: str, tip: str) -> str:
    return (
        f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[Series],
    label_width: float = 250,
    notes: Sequence[str] | None = None,
) -> SafeString:
    """One stacked bar per row (label, one value per series), the total at its end; ``notes`` are
    printed after the total (such as processing times)."""
    bar_height, gap, top = 18, 8, 4
    height = top + len(rows) * (bar_height + gap) + 4
    parts = _open(chart_id, title, desc, height)
    notes_width = 200 if notes else 0
    scale_width = WIDTH - label_width - 70 - notes_width
    top_value = _nice_max(max((sum(values) for _, values in rows), default=0))
    for index, (label, values) in enumerate(rows):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + FONT * 0.35
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{middle:.1f}" text-anchor="end">'
            f"{escape(fit(label, label_width - 12))}</text>"
        )
        x = label_width
        for value, one in zip(values, series, strict=True):
            width = scale_width * value / top_value
            if value:
                parts.append(
                    _rect(x, y, width, bar_height, one.css, f"{label} · {one.label}: {number(value)}")
                )
            x += width
        total = sum(values)
        end = f"{number(total)}" + (f"  {notes[index]}" if notes and notes[index] else "")
        parts.append(f'<text class="chart-value" x="{x + 6:.1f}" y="{middle:.1f}">{escape(end)}</text>')
    parts.append(
        f'<line class="chart-axis" x1="{label_width}" y1="0" x2="{label_width}" y2="{height - 4:.0f}"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def columns(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    up: Sequence[Sequence[float]],
    series: Sequence[Series],
    down: Sequence[Sequence[float]] | None = None,
    label_every: int = 3,
) -> SafeString:
    """Stacked columns, one per label (months); with ``down``, a second stack below the axis (exits
    under entries), both on one scale."""
    left, right, plot_top, label_room = 48, 8, 8, 30
    up_max = max((sum(v) for v in up), default=0)
    down_max = max((sum(v) for v in down), default=0) if down is not None else 0
    scale = _nice_max(max(up_max, down_max))
    # Entries above the axis, exits below it, on one scale: the same height each way.
    up_height = 180 if down is None else 110
    down_height = 0 if down is None else 110
    axis_y = plot_top + up_height
    height = axis_y + down_height + label_room
    parts = _open(chart_id, title, desc, height)
    step = (WIDTH - left - right) / max(len(labels), 1)
    bar = step * 0.7
    ticks = [(plot_top, number(scale)), (axis_y, "0")]
    if down is not None:
        ticks.append((axis_y + down_height, number(scale)))
    for y, tick in ticks:
        parts.append(
            f'<text class="chart-tick" x="{left - 6}" y="{y + FONT * 0.35:.1f}" text-anchor="end">{tick}</text>'
            f'<line class="chart-grid" x1="{left}" y1="{y}" x2="{WIDTH - right}" y2="{y}"/>'
        )
    unit = up_height / scale
    for index, label in enumerate(labels):
        x = left + index * step + (step - bar) / 2
        y = axis_y
        for value, one in zip(up[index], series, strict=True):
            if value:
                y -= value * unit
                parts.append(
                    _rect(x, y, bar, value * unit, one.css, f"{label} · {one.label}: {number(value)}")
                )
        if down is not None:
            y = axis_y
            for value, one in zip(down[index], series, strict=True):
                if value:
                    parts.append(
                        _rect(
                            x,
                            y,
                            bar,
                            value * unit,
                            f"{one.css} chart-down",
                            f"{label} · {one.label}: −{number(value)}",
                        )
                    )
                    y += value * unit
        if index % label_every == 0 or index == len(labels) - 1:
            parts.append(
                f'<text class="chart-tick" x="{x + bar / 2:.1f}" y="{axis_y + down_height + 18:.1f}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{left}" y1="{axis_y}" x2="{WIDTH - right}" y2="{axis_y}"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def share_bar(
    *, chart_id: str, title: str, desc: str, parts_: Sequence[tuple[str, float]], series: Sequence[Series]
) -> SafeString:
    """One bar of 100 %, a part per series, each marked with its share when it is wide enough."""
    height, bar_height = 56, 36
    parts = _open(chart_id, title, desc, height)
    total = sum(value for _, value in parts_) or 1
    x = 0.0
    for (label, value), one in zip(parts_, series, strict=True):
        width = WIDTH * value / total
        if value:
            share = f"{100 * value / total:.1f}%"
            parts.append(_rect(x, 4, width, bar_height, one.css, f"{label}: {number(value)} ({share})"))
            text = f"{label} {share}"
            if text_width(text) + 8 <= width:
                parts.append(
                    f'<text class="chart-on-bar" x="{x + width / 2:.1f}" y="{4 + bar_height / 2 + FONT * 0.35:.1f}" '
                    f'text-anchor="middle">{escape(text)}</text>'
                )
        x += width
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
