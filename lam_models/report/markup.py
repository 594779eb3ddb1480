"""Small HTML building blocks shared by the report's sections: sections, tables, figures, formats."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd


@dataclass(frozen=True)
class ReportOptions:
    """What the report draws.

    Attributes:
        max_tickers: per-ticker trend charts drawn (tickers with alerts first, then by volume).
        trend_size: window size of the trend charts; default the longest size in the windows.
        max_points: points per trend line; longer histories are merged into coarser bins.
        max_markers: alert markers (and evidence lists) per chart, most recent first.
        max_alert_rows: rows of the alert table; the rest is counted, not listed.
        max_topics: topics drawn in the per-topic trend charts (largest first, at most 8 colours).
        max_topic_rows: rows of the topic table.
    """

    max_tickers: int = 12
    trend_size: str | None = None
    max_points: int = 400
    max_markers: int = 15
    max_alert_rows: int = 2000
    max_topics: int = 8
    max_topic_rows: int = 15


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def section(section_id: str, title: str, body: str, intro: str = "") -> str:
    """A report section with an anchor (the navigation links to ``#section_id``)."""
    lead = f'<p class="intro">{intro}</p>' if intro else ""
    return (f'<section id="{esc(section_id)}" data-section="{esc(section_id)}">'
            f"<h2>{esc(title)}</h2>{lead}{body}</section>")


def unavailable(what: str, how: str = "") -> str:
    """The note a section shows when its input does not exist yet."""
    hint = f" {how}" if how else ""
    return f'<p class="unavailable" data-unavailable="true"><strong>Not available yet:</strong> {esc(what)}.{esc(hint)}</p>'


def figure(svg: str, caption: str = "", cls: str = "") -> str:
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="{esc(cls)}">{svg}{cap}</figure>'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, table_id: str | None = None,
          cls: str = "", row_attrs: Sequence[str] | None = None, numeric: Sequence[int] = ()) -> str:
    """A table from pre-escaped cell HTML; ``numeric`` column positions are right-aligned."""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    head = "".join(f'<th{" class=num" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        attrs = f" {row_attrs[r]}" if row_attrs else ""
        cells = "".join(f'<td{" class=num" if i in numeric else ""}>{cell}</td>' for i, cell in enumerate(row))
        body.append(f"<tr{attrs}>{cells}</tr>")
    return (f'<div class="table-wrap"><table{ident} class="{esc(cls)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def pct(value: object, digits: int = 0) -> str:
    return "–" if not _finite(value) else f"{float(value):.{digits}%}"  # type: ignore[arg-type]


def num(value: object, digits: int = 3) -> str:
    if not _finite(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    return f"{int(number):,}" if number.is_integer() and abs(number) >= 1 else f"{number:.{digits}f}"


def count(value: object) -> str:
    return "–" if not _finite(value) else f"{int(value):,}"  # type: ignore[call-overload]


def when(value: object) -> str:
    """A UTC instant as ``YYYY-MM-DD HH:MM``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M") if pd.Timestamp(value).tzinfo \
        else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def badge(text: str, kind: str) -> str:
    return f'<span class="badge {esc(kind)}">{esc(text)}</span>'


def _finite(value: object) -> bool:
    try:
        return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
