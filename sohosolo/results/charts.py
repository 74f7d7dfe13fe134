"""Accessible SVG charts drawn on the server, the same for the dashboard and the PDF report.

Pure functions of labels and numbers: each chart is an SVG with role="img", a <title> and a <desc> that states every
value, so a screen reader hears the data; pages also show the same data as a table. No script, no style attribute
(the site's Content-Security-Policy forbids them): only presentation attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

BAR = "#8a3b12"
BAR_SECOND = "#275d38"
GOAL = "#0b5cad"
INK = "#1d1d1b"
GRID = "#d9d2c3"
FONT = "DejaVu Sans, Arial, sans-serif"


def _e(value) -> str:
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" font-family="{FONT}">',
        f'<title id="{chart_id}-title">{_e(title)}</title>',
        f'<desc id="{chart_id}-desc">{_e(description)}</desc>',
    ]


def describe(rows: Sequence[tuple[str, int | float]]) -> str:
    return "; ".join(f"{label}: {number_format(value)}" for label, value in rows) + "."


def columns(
    rows: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    goal: int | None = None,
    goal_label: str = "",
    goal_for: str | None = None,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Vertical bars, one per label (months, years), the value written above each bar; an optional goal line,
    `goal_label` (the goal and its value, in words) as its legend — across the chart, or over the bar labelled
    `goal_for` only (a year's goal is no other year's)."""
    top, bottom, left, right = (40 if goal else 22), 34, 8, 8
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max([v for _l, v in rows] + [goal or 0, 1])
    slot = inner_w / max(len(rows), 1)
    bar_w = max(2.0, slot * 0.7)
    description = describe(rows) + (f" {goal_label}." if goal else "")
    out = _open(chart_id, width, height, title, description)
    base = top + inner_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{GRID}"/>')
    step = max(1, round(len(rows) / 12))  # at most about a dozen labels under the bars
    for i, (label, value) in enumerate(rows):
        h = inner_h * value / peak
        x = left + i * slot + (slot - bar_w) / 2
        cx = _n(x + bar_w / 2)
        out.append(f'<rect x="{_n(x)}" y="{_n(base - h)}" width="{_n(bar_w)}" height="{_n(h)}" fill="{BAR}"/>')
        if len(rows) <= 24:
            out.append(
                f'<text x="{cx}" y="{_n(base - h - 5)}" text-anchor="middle" font-size="11" fill="{INK}">'
                f"{_e(number_format(value))}</text>"
            )
        if i % step == 0:
            out.append(
                f'<text x="{cx}" y="{base + 16}" text-anchor="middle" font-size="11" fill="{INK}">{_e(label)}</text>'
            )
    if goal:
        y = _n(base - inner_h * goal / peak)
        x1, x2 = left, width - right
        labels = [label for label, _v in rows]
        if goal_for is not None and goal_for in labels:
            x1 = left + labels.index(goal_for) * slot
            x2 = x1 + slot
        out.append(
            f'<line x1="{_n(x1)}" y1="{y}" x2="{_n(x2)}" y2="{y}" stroke="{GOAL}" stroke-width="2"'
            ' stroke-dasharray="6 4"/>'
        )
        # The legend sits above the plot, where no bar or value can cover it.
        out.append(
            f'<line x1="{left}" y1="10" x2="{left + 28}" y2="10" stroke="{GOAL}" stroke-width="2"'
            ' stroke-dasharray="6 4"/>'
            f'<text x="{left + 34}" y="14" font-size="11" fill="{GOAL}">'
            f"{_e(goal_label)}</text>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped above


def bars(
    rows: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    width: int = 640,
    suffixes: Sequence[str] | None = None,
) -> SafeString:
    """Horizontal bars, one line per label (breakdowns, the funnel), the value (and an optional suffix) after it."""
    line, label_w, gap = 26, min(250, width * 2 // 5), 8
    room = int(label_w / 6.8)  # characters of 12-px text that fit left of the bars
    height = max(line * len(rows), line) + 6
    value_w = 110
    inner_w = width - label_w - value_w - 2 * gap
    peak = max([v for _l, v in rows] + [1])
    out = _open(chart_id, width, height, title, describe(rows))
    for i, (label, value) in enumerate(rows):
        y = 3 + i * line
        w = inner_w * value / peak
        text = _e(label if len(label) <= room else label[: room - 1].rstrip() + "…")
        out.append(
            f'<text x="{label_w}" y="{y + 17}" text-anchor="end" font-size="12" fill="{INK}">{text}</text>'
            f'<rect x="{label_w + gap}" y="{y + 4}" width="{_n(w)}" height="{line - 8}" fill="{BAR}"/>'
            f'<text x="{_n(label_w + 2 * gap + w)}" y="{y + 17}" font-size="12" fill="{INK}">'
            f"{_e(number_format(value))}{_e(suffixes[i] if suffixes else '')}</text>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped above


def progress(
    value: int, goal: int, *, chart_id: str, title: str, projection: int | None = None, width: int = 640
) -> SafeString:
    """A bar from 0 to the goal (or beyond), the value filled, the projection to the year's end as a marker."""
    height, left, right = 46, 4, 4
    peak = max(goal, value, projection or 0, 1)
    inner = width - left - right
    description = f"{number_format(value)} / {number_format(goal)}" + (
        f"; {number_format(projection)}" if projection is not None else ""
    )
    out = _open(chart_id, width, height, title, description)
    out.append(f'<rect x="{left}" y="8" width="{_n(inner)}" height="20" fill="#efe9dc" stroke="{GRID}"/>')
    out.append(f'<rect x="{left}" y="8" width="{_n(inner * value / peak)}" height="20" fill="{BAR_SECOND}"/>')
    gx = _n(left + inner * goal / peak)
    out.append(f'<line x1="{gx}" y1="2" x2="{gx}" y2="34" stroke="{GOAL}" stroke-width="3"/>')
    if projection is not None:
        px = _n(left + inner * projection / peak)
        out.append(f'<line x1="{px}" y1="4" x2="{px}" y2="32" stroke="{INK}" stroke-width="2" stroke-dasharray="3 3"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - numbers only
