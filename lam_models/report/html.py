"""The self-contained HTML report: inline CSS, inline SVG charts, a few lines of inline JS, no URLs.

``SECTIONS`` is the page in order; a section whose input is missing says "Not available yet"
instead of disappearing, so the page layout is the same on a fresh lake and after a full run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lam_models import lake_files
from lam_models.lake_location import Location, parse
from lam_models.report.collect import ReportData
from lam_models.report.markup import ReportOptions, count, esc, num
from lam_models.report.models_view import recsys_section, sentiment_section
from lam_models.report.monitor_view import alert_table_section, market_section, ticker_section
from lam_models.report.quality_view import quality_section
from lam_models.report.topics_view import topic_section

Section = Callable[[ReportData, ReportOptions], str]

SECTIONS: tuple[tuple[str, str, Section], ...] = (
    ("market", "Market", market_section),
    ("tickers", "Tickers", ticker_section),
    ("topics", "Topics", topic_section),
    ("alerts", "Alerts", alert_table_section),
    ("sentiment", "Sentiment model", lambda data, _: sentiment_section(data)),
    ("recommender", "Recommender", lambda data, _: recsys_section(data)),
    ("quality", "Data quality", lambda data, _: quality_section(data)),
)

CSS = """
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb;--card:#fff;--accent:#2563eb}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#cbd5e1}header code{background:#334155;color:#f8fafc}
nav{position:sticky;top:0;z-index:2;background:#1e293b;padding:6px 28px}nav a{color:#e2e8f0;margin-right:18px;text-decoration:none;font-size:13px}
nav a:hover{text-decoration:underline}main{max-width:1280px;margin:0 auto;padding:16px 28px 48px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
h2{margin:0 0 6px;font-size:18px}h3{margin:14px 0 6px;font-size:15px}.intro,.muted{color:var(--muted)}.muted{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}
.key-card{border:1px solid var(--line);border-radius:6px;padding:10px 12px}.key-card h3{margin:0}.key-card>p{margin:2px 0 4px}
.overview{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:16px 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}.stat b{display:block;font-size:22px}
.stat span{color:var(--muted);font-size:12px}figure{margin:6px 0}figcaption{color:var(--muted);font-size:12px}
svg.chart{display:block;max-width:100%;height:auto}svg.fixed{max-width:100%}svg text{font-size:11px;fill:#374151}
svg .plot{fill:#fcfcfd;stroke:var(--line)}svg .grid{stroke:#eef0f3}svg .axis{stroke:#9ca3af}svg .axis-title{font-size:11px;fill:var(--muted)}
svg .marker-label{font-size:9px;font-weight:700;fill:#fff}svg .empty{fill:var(--muted)}svg .value{fill:#374151}
svg .cell-value{font-size:13px;font-weight:600}.pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.pair figure{flex:1 1 320px}
.table-wrap{overflow-x:auto;margin:6px 0}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f4f6;font-weight:600}
table.compact{width:auto;min-width:520px}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.hidden{display:none}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:11px;font-weight:600;background:#e5e7eb}
.badge.high{background:#fee2e2;color:#991b1b}.badge.medium{background:#ffedd5;color:#9a3412}.badge.low{background:#fef3c7;color:#92400e}
.badge.firing{background:#fecaca;color:#7f1d1d}.badge.resolved{background:#dcfce7;color:#166534}
ol.evidence{padding-left:0;list-style:none;margin:6px 0}ol.evidence>li{margin:6px 0;font-size:13px}
ol.evidence summary{cursor:pointer}ul.headlines{margin:2px 0 0 26px;padding:0;font-size:12.5px}ul.headlines li{margin:1px 0}
.score{display:inline-block;min-width:40px;text-align:right;font-variant-numeric:tabular-nums;color:#b91c1c;font-weight:600}
.num-dot{display:inline-block;width:18px;height:18px;border-radius:9px;color:#fff;text-align:center;font-size:11px;line-height:18px;background:#b91c1c}
.num-dot.low{background:#f59e0b}.num-dot.medium{background:#ea580c}
.unavailable{background:#fffbeb;border:1px dashed #f59e0b;padding:8px 12px;border-radius:6px}
.filter{display:inline-block;margin:4px 0}.filter input{margin-left:6px;padding:3px 6px;width:260px}
code{font-size:12px;background:#f3f4f6;padding:0 3px;border-radius:3px}.facts{margin:4px 0}
footer{color:var(--muted);font-size:12px;text-align:center;padding:12px}
"""

JS = """
(function () {
  var input = document.getElementById('alert-filter');
  var table = document.getElementById('alert-table');
  if (!input || !table) { return; }
  input.addEventListener('input', function () {
    var needle = input.value.trim().toLowerCase();
    table.querySelectorAll('tbody tr').forEach(function (row) {
      row.classList.toggle('hidden', needle !== '' && row.textContent.toLowerCase().indexOf(needle) < 0);
    });
  });
})();
"""


def overview(data: ReportData) -> str:
    """Headline numbers across the report; a dash where the input is missing."""
    alerts = data.alerts
    firing = int((alerts["state"] == "firing").sum()) if alerts is not None else None
    tickers = alerts.loc[alerts["kind"] == "ticker", "key"].nunique() if alerts is not None else None
    dead = None
    if data.runs is not None and "deadletter" in data.runs:
        dead = data.runs.loc[data.runs["job"] == "ingest", "deadletter"].sum()
    macro = (((data.sentiment or {}).get("metrics") or {}).get("test") or {}).get("macro_f1")
    recsys = data.recsys or {}
    hybrid = (recsys.get("protocols") or {}).get("recommenders", {}).get("hybrid", {}).get("ndcg")
    k = (recsys.get("config") or {}).get("k", 10)
    stats = [
        (count((data.headlines or {}).get("rows")), "headlines in silver"),
        (count(len(alerts)) if alerts is not None else "–", "alerts"),
        (count(firing), "firing now"),
        (count(tickers), "tickers with alerts"),
        (count(dead), "records dead-lettered"),
        (num(macro, 3), "sentiment macro-F1 (test)"),
        (num(hybrid, 3), f"hybrid nDCG@{k} (Recommenders split)"),
    ]
    cells = "".join(f'<div class="stat"><b>{value}</b><span>{esc(label)}</span></div>' for value, label in stats)
    return f'<div class="overview" data-section="overview">{cells}</div>'


def render_report(data: ReportData, options: ReportOptions | None = None) -> str:
    """The whole page as one HTML string (no external resources).

    Args:
        data: from ``collect.collect``.
        options: what to draw; defaults to ``ReportOptions()``.
    """
    options = options or ReportOptions()
    nav = "".join(f'<a href="#{esc(ident)}">{esc(title)}</a>' for ident, title, _ in SECTIONS)
    body = "".join(build(data, options) for _, _, build in SECTIONS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>lam-pipelines report</title>"
        f"<style>{CSS}</style></head><body>"
        f"<header><h1>lam-pipelines report</h1><p>Generated {esc(data.generated_at)} from lake "
        f"<code>{esc(data.lake_root)}</code></p></header><nav>{nav}</nav>"
        f"<main>{overview(data)}{body}</main>"
        "<footer>Self-contained: charts are inline SVG; nothing is fetched from the network.</footer>"
        f"<script>{JS}</script></body></html>"
    )


def write_report(path: Path | str, data: ReportData, options: ReportOptions | None = None) -> Location:
    """Render and write the report (temp file then rename; one PUT on object storage); returns ``path``."""
    path = parse(path)
    lake_files.write_bytes(path, render_report(data, options))
    return path
