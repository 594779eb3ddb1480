"""Inline SVG charts built as strings in Python: time series with markers, bars, heatmaps.

No JavaScript and no network: every chart is one ``<svg class="chart" data-chart=KIND>`` element
that scales with its container (``viewBox``); hover text comes from SVG ``<title>`` elements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

COLORS = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#dc2626")
NEGATIVE = "#dc2626"
BASELINE = "#6b7280"
SEVERITY_COLORS = {"low": "#f59e0b", "medium": "#ea580c", "high": "#b91c1c"}
_PAD = {"left": 52, "right": 16, "top": 28, "bottom": 30}
_TIME_STEPS = (("h", "%m-%d %H:%M"), ("3h", "%m-%d %H:%M"), ("6h", "%m-%d %H:%M"), ("12h", "%m-%d %H:%M"),
               ("D", "%Y-%m-%d"), ("2D", "%Y-%m-%d"), ("7D", "%Y-%m-%d"), ("14D", "%Y-%m-%d"), ("MS", "%b %Y"),
               ("QS", "%b %Y"), ("6MS", "%b %Y"), ("YS", "%Y"), ("2YS", "%Y"), ("5YS", "%Y"), ("10YS", "%Y"))


@dataclass(frozen=True)
class Line:
    """One series: ``x`` as UTC timestamps, ``y`` floats (NaN breaks the line)."""

    name: str
    x: Sequence[pd.Timestamp]
    y: Sequence[float]
    color: str = COLORS[0]
    dashed: bool = False


@dataclass(frozen=True)
class Marker:
    """A numbered point (an alert) with hover text."""

    x: pd.Timestamp
    y: float
    label: str
    title: str
    color: str = SEVERITY_COLORS["high"]


def _svg(kind: str, width: float, height: float, body: list[str], label: str, fluid: bool = True) -> str:
    """Fluid charts fill their container's width; fixed ones keep their size (shrinking if needed)."""
    size = 'class="chart" width="100%"' if fluid else f'class="chart fixed" width="{width:.0f}" height="{height:.0f}"'
    return (f'<svg {size} data-chart="{escape(kind)}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high], about ``count`` of them."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def time_ticks(start: pd.Timestamp, end: pd.Timestamp, most: int = 7) -> list[tuple[pd.Timestamp, str]]:
    """Calendar-aligned ticks (hours, days, weeks, months, years) between two UTC instants."""
    for freq, fmt in _TIME_STEPS:
        ticks = pd.date_range(start.ceil("h"), end, freq=freq, tz="UTC") if start <= end else []
        if 0 < len(ticks) <= most:
            return [(t, t.strftime(fmt)) for t in ticks]
    return [(start, start.strftime("%Y-%m-%d"))]


def time_chart(lines: Sequence[Line], markers: Sequence[Marker] = (), *, kind: str, label: str, y_label: str = "",
               y_domain: tuple[float, float] | None = None, width: int = 760, height: int = 230,
               percent: bool = False) -> str:
    """Lines over time with numbered markers and a legend.

    Args:
        lines: series to draw (at least one with a point).
        markers: numbered points, e.g. alerts at (window start, negative share).
        kind: ``data-chart`` value (tests and CSS select on it).
        label: accessible name of the chart.
        y_label: axis title.
        y_domain: fixed y range; default from the data (and markers).
        percent: format y ticks as percentages.
    """
    xs = [pd.Timestamp(t) for line in lines for t in line.x] + [pd.Timestamp(m.x) for m in markers]
    ys = np.array([v for line in lines for v in line.y] + [m.y for m in markers], dtype=float)
    ys = ys[np.isfinite(ys)]
    if not xs or not len(ys):
        return _svg(kind, width, 60, ['<text x="10" y="30" class="empty">no data</text>'], label)
    t0, t1 = min(xs), max(xs)
    if t1 == t0:
        t0, t1 = t0 - pd.Timedelta(hours=1), t1 + pd.Timedelta(hours=1)
    low, high = y_domain if y_domain else (min(0.0, float(ys.min())), float(ys.max()) or 1.0)
    left, right, top, bottom = _PAD["left"], width - _PAD["right"], _PAD["top"], height - _PAD["bottom"]
    span = (t1 - t0).value

    def sx(t: pd.Timestamp) -> float:
        return left + (pd.Timestamp(t) - t0).value / span * (right - left)

    def sy(v: float) -> float:
        return bottom - (v - low) / ((high - low) or 1.0) * (bottom - top)

    body = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" class="plot"/>']
    for v in nice_ticks(low, high, 4):
        text = f"{v:.0%}" if percent else f"{v:g}"
        body.append(f'<line x1="{left}" x2="{right}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
                    f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" class="tick" text-anchor="end">{text}</text>')
    for t, text in time_ticks(t0, t1):
        body.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{bottom}" y2="{bottom + 4}" class="axis"/>'
                    f'<text x="{sx(t):.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">{escape(text)}</text>')
    if y_label:
        body.append(f'<text x="{left}" y="{top - 10}" class="axis-title">{escape(y_label)}</text>')
    for line in lines:
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        for segment in _segments(line):
            points = " ".join(f"{sx(t):.1f},{sy(v):.1f}" for t, v in segment)
            body.append(f'<polyline points="{points}" fill="none" stroke="{line.color}" stroke-width="1.6"{dash}'
                        f' class="series" data-series="{escape(line.name)}"/>')
    for m in markers:
        x, y = sx(m.x), sy(min(max(m.y, low), high))
        body.append(f'<g class="marker" data-marker="{escape(m.label)}"><title>{escape(m.title)}</title>'
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{m.color}" stroke-opacity="0.35"/>'
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{m.color}"/>'
                    f'<text x="{x:.1f}" y="{y + 3.5:.1f}" class="marker-label" text-anchor="middle">{escape(m.label)}</text></g>')
    body.append(_legend([(line.name, line.color, line.dashed) for line in lines], right))
    return _svg(kind, width, height, body, label)


def _segments(line: Line) -> list[list[tuple[pd.Timestamp, float]]]:
    segments: list[list[tuple[pd.Timestamp, float]]] = [[]]
    for t, v in zip(line.x, line.y, strict=True):
        if v is None or not math.isfinite(float(v)):
            segments.append([])
        else:
            segments[-1].append((pd.Timestamp(t), float(v)))
    return [s for s in segments if s]


def _legend(entries: list[tuple[str, str, bool]], right: float) -> str:
    parts, x = [], right
    for name, color, dashed in reversed(entries):
        x -= 14 + 6.2 * len(name) + 16
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        parts.append(f'<line x1="{x:.0f}" x2="{x + 14:.0f}" y1="12" y2="12" stroke="{color}" stroke-width="2"{dash}/>'
                     f'<text x="{x + 18:.0f}" y="16" class="legend">{escape(name)}</text>')
    return '<g class="legend">' + "".join(parts) + "</g>"


def hbar_chart(items: Sequence[tuple[str, float]], *, kind: str, label: str, width: int = 560,
               color: str = NEGATIVE, colors: Sequence[str] | None = None) -> str:
    """Horizontal bars, one per (name, value), value printed at the bar's end; ``colors`` per bar."""
    if not items:
        return _svg(kind, width, 40, ['<text x="10" y="24" class="empty">nothing to show</text>'], label)
    label_w = min(220, 12 + 6.4 * max(len(n) for n, _ in items))
    row, top = 22, 6
    height = top + row * len(items) + 6
    most = max(v for _, v in items) or 1.0
    body = []
    for i, (name, value) in enumerate(items):
        y = top + i * row
        w = (width - label_w - 70) * value / most
        body.append(f'<g class="bar" data-name="{escape(name)}"><title>{escape(name)}: {value:,.0f}</title>'
                    f'<text x="{label_w - 8:.0f}" y="{y + 15}" class="tick" text-anchor="end">{escape(_clip(name, 34))}</text>'
                    f'<rect x="{label_w:.0f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{colors[i] if colors else color}" rx="2"/>'
                    f'<text x="{label_w + max(w, 1) + 6:.1f}" y="{y + 15}" class="value">{value:,.0f}</text></g>')
    return _svg(kind, width, height, body, label, fluid=False)


def grouped_bar_chart(categories: Sequence[str], groups: dict[str, Sequence[float]], *, kind: str, label: str,
                      y_domain: tuple[float, float] = (0.0, 1.0), width: int = 560, height: int = 220,
                      highlight: str | None = None) -> str:
    """Bars per category, one per group (e.g. metric x model), with a legend; ``highlight`` is outlined."""
    left, right, top, bottom = _PAD["left"], width - _PAD["right"], _PAD["top"] + 6, height - _PAD["bottom"]
    low, high = y_domain
    band = (right - left) / max(len(categories), 1)
    bar = band * 0.8 / max(len(groups), 1)

    def sy(v: float) -> float:
        return bottom - (min(max(v, low), high) - low) / ((high - low) or 1.0) * (bottom - top)

    body = []
    for v in nice_ticks(low, high, 4):
        body.append(f'<line x1="{left}" x2="{right}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
                    f'<text x="{left - 6}" y="{sy(v) + 4:.1f}" class="tick" text-anchor="end">{v:g}</text>')
    colors = {name: COLORS[i % len(COLORS)] for i, name in enumerate(groups)}
    for c, category in enumerate(categories):
        x0 = left + c * band + band * 0.1
        body.append(f'<text x="{left + (c + 0.5) * band:.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">{escape(category)}</text>')
        for g, (name, values) in enumerate(groups.items()):
            value = float(values[c])
            if not math.isfinite(value):
                continue
            outline = ' stroke="#111827" stroke-width="1.5"' if name == highlight else ""
            body.append(f'<rect class="bar" data-group="{escape(name)}" x="{x0 + g * bar:.1f}" y="{sy(value):.1f}" '
                        f'width="{bar * 0.92:.1f}" height="{bottom - sy(value):.1f}" fill="{colors[name]}"{outline}>'
                        f'<title>{escape(name)} {escape(category)}: {value:.4f}</title></rect>')
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" class="axis"/>')
    body.append(_legend([(name, colors[name], False) for name in groups], right))
    return _svg(kind, width, height, body, label, fluid=False)


def heatmap(matrix: Sequence[Sequence[float]], rows: Sequence[str], cols: Sequence[str], *, kind: str, label: str,
            row_title: str = "true", col_title: str = "predicted", cell: int = 64) -> str:
    """Count matrix shaded by each row's share (a confusion matrix reads as recall per row)."""
    values = np.asarray(matrix, dtype=float)
    shares = values / np.maximum(values.sum(1, keepdims=True), 1)
    label_w = 24 + 7 * max(len(r) for r in rows)
    top = 40
    width, height = label_w + cell * len(cols) + 10, top + cell * len(rows) + 10
    body = [f'<text x="{label_w + cell * len(cols) / 2:.0f}" y="12" class="axis-title" text-anchor="middle">{escape(col_title)} →</text>',
            f'<text x="4" y="{top - 6}" class="axis-title">{escape(row_title)} ↓</text>']
    for j, name in enumerate(cols):
        body.append(f'<text x="{label_w + (j + 0.5) * cell:.0f}" y="{top - 8}" class="tick" text-anchor="middle">{escape(name)}</text>')
    for i, name in enumerate(rows):
        body.append(f'<text x="{label_w - 8}" y="{top + (i + 0.5) * cell + 4:.0f}" class="tick" text-anchor="end">{escape(name)}</text>')
        for j in range(len(cols)):
            share = shares[i, j]
            fill = f"rgba(37,99,235,{0.08 + 0.85 * share:.3f})"
            ink = "#ffffff" if share > 0.55 else "#111827"
            body.append(f'<g class="cell"><title>{escape(name)} → {escape(cols[j])}: {values[i, j]:.0f} ({share:.1%} of row)</title>'
                        f'<rect x="{label_w + j * cell}" y="{top + i * cell}" width="{cell - 2}" height="{cell - 2}" fill="{fill}"/>'
                        f'<text x="{label_w + (j + 0.5) * cell:.0f}" y="{top + (i + 0.5) * cell + 4:.0f}" class="cell-value" '
                        f'style="fill:{ink}" text-anchor="middle">{values[i, j]:.0f}</text></g>')
    return _svg(kind, width, height, body, label, fluid=False)


def _clip(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
