"""Monitor sections: market trend, per-ticker trends with alert markers and evidence, alert table
(per-topic cards reuse ``key_card``; the Topics section is in ``topics_view``).

Trend charts use one window size (the longest by default): the negative share of each window,
the adaptive baseline it was judged against, and numbered markers at alerts (any window size)
whose explaining headlines are listed under the chart with the same numbers.
"""

from __future__ import annotations

import pandas as pd

from lam_models.report import charts
from lam_models.report.collect import ReportData, trend
from lam_models.report.markup import (
    ReportOptions, badge, count, esc, figure, num, pct, section, table, unavailable, when,
)  # fmt: skip

OPEN_EVIDENCE = 3
"""Evidence lists shown unfolded per chart (the most recent alerts); older ones fold open on click."""
RUN_MONITOR = "Run `lam monitor run` after scoring (sentiment columns in silver/news)."


def trend_size(windows: pd.DataFrame, options: ReportOptions) -> str:
    """The window size the trend charts use: the option if present in the data, else the longest."""
    sizes = list(windows["window_size"].astype(str).unique())
    if options.trend_size in sizes:
        return str(options.trend_size)
    return max(sizes, key=lambda s: pd.Timedelta(s))


def chart_keys(data: ReportData, kind: str, options: ReportOptions) -> list[str]:
    """Keys of one kind to chart: those with alerts (most alerts first), then the busiest others."""
    if data.windows is None:
        return []
    windows = data.windows[data.windows["kind"] == kind]
    volume = windows.groupby("key", observed=True)["count"].sum().sort_values(ascending=False, kind="stable")
    alerted: list[str] = []
    if data.alerts is not None and len(data.alerts):
        mine = data.alerts[(data.alerts["kind"] == kind) & data.alerts["key"].isin(volume.index)]
        tally = mine.groupby("key").agg(n=("alert_id", "size"), latest=("window_start", "max"))
        alerted = list(tally.sort_values(["n", "latest"], ascending=[False, False]).index)
    rest = [k for k in volume.index if k not in set(alerted)]
    return [str(k) for k in (alerted + rest)[: options.max_tickers]]


def key_alerts(data: ReportData, key: str, options: ReportOptions) -> pd.DataFrame:
    """The key's most recent alerts (at most ``max_markers``), oldest first so markers number in time."""
    if data.alerts is None:
        return pd.DataFrame()
    mine = data.alerts[data.alerts["key"] == key].sort_values("window_start", ascending=False).head(options.max_markers)
    return mine.sort_values("window_start", ignore_index=True)


def key_card(data: ReportData, key: str, size: str, options: ReportOptions, kind: str, width: int = 540) -> str:
    """One key's trend chart, its alert markers and, under it, the headlines explaining each alert."""
    points = trend(data.windows, key, size, options.max_points)
    alerts = key_alerts(data, key, options)
    markers = [charts.Marker(x=a.window_start, y=float(a.negative_share), label=str(i + 1),
                             color=charts.SEVERITY_COLORS.get(a.severity, charts.NEGATIVE),
                             title=f"#{i + 1} {a.severity} {a.state} alert, {a.window_size} window from "
                                   f"{when(a.window_start)} UTC: {pct(a.negative_share)} negative vs "
                                   f"{pct(a.baseline_share)} baseline (z {num(a.z, 1)})")
               for i, a in enumerate(alerts.itertuples())]
    lines = [charts.Line("negative share", points["window_start"], points["negative_share"], charts.NEGATIVE),
             charts.Line("baseline", points["window_start"], points["baseline_share"], charts.BASELINE, dashed=True)]
    svg = charts.time_chart(lines, markers, kind=f"{kind}-trend", label=f"{key}: negative share per {size}",
                            y_label=f"negative share per {size} window", y_domain=(0.0, 1.0), percent=True,
                            width=width, height=max(200, min(int(width * 0.4), 300)))
    total = int(data.alerts["key"].eq(key).sum()) if data.alerts is not None else 0
    more = f'<p class="muted">{total - len(alerts)} older alerts are in the alert table.</p>' if total > len(alerts) else ""
    head = (f'<h3>{esc(key)}</h3><p class="muted">{count(points["count"].sum())} headlines · '
            f"{total} alert{'s' if total != 1 else ''}</p>")
    return (f'<article class="key-card" data-key="{esc(key)}" data-alerts="{len(alerts)}">{head}'
            f"{figure(svg)}{evidence_list(alerts)}{more}</article>")


def evidence_list(alerts: pd.DataFrame) -> str:
    """Numbered alerts, each with its evidence headlines (most negative first); the newest lists open."""
    if alerts.empty:
        return '<p class="muted">No alerts on this key.</p>'
    items = []
    for i, a in enumerate(alerts.itertuples()):
        headlines = "".join(
            f'<li><span class="score" title="signed score">{num(h.get("score"), 2)}</span> {esc(h.get("headline"))}'
            f' <span class="muted">{when(h.get("published_at"))}</span></li>' for h in a.evidence)
        listing = f'<ul class="headlines">{headlines}</ul>' if headlines else '<p class="muted">no evidence headlines recorded</p>'
        opened = " open" if i >= len(alerts) - OPEN_EVIDENCE else ""
        items.append(
            f'<li data-alert-id="{esc(a.alert_id)}"><details{opened}><summary><span class="num-dot {esc(a.severity)}">'
            f"{i + 1}</span> <strong>{when(a.window_start)} UTC</strong> · {esc(a.window_size)} · "
            f"{badge(a.severity, a.severity)} {badge(a.state, a.state)} {pct(a.negative_share)} negative of "
            f"{count(a.count)} headlines vs {pct(a.baseline_share)} baseline (z {num(a.z, 1)})</summary>{listing}</details></li>")
    return f'<ol class="evidence">{"".join(items)}</ol>'


def market_section(data: ReportData, options: ReportOptions) -> str:
    if data.windows is None or not (data.windows["key"] == "market").any():
        return section("market", "Market-wide sentiment", unavailable("no window aggregates", RUN_MONITOR))
    size = trend_size(data.windows, options)
    points = trend(data.windows, "market", size, options.max_points)
    score = charts.time_chart([charts.Line("mean score", points["window_start"], points["mean_score"], charts.COLORS[0]),
                               charts.Line("headlines (share of busiest window)", points["window_start"],
                                           points["count"] / max(points["count"].max(), 1), charts.COLORS[5], dashed=True)],
                              kind="market-score", label=f"market mean sentiment score per {size}",
                              y_label="mean signed score (positive − negative)", y_domain=(-1.0, 1.0),
                              width=1100, height=220)
    source = "" if data.windows_source != "silver/news" else (
        '<p class="unavailable">The monitor has not run: windows recomputed from silver/news, no alerts.</p>')
    body = key_card(data, "market", size, options, "market", width=1100) + figure(score, "Mean score and relative volume per window.")
    return section("market", "Market-wide sentiment", source + body,
                   f"Every headline counts once toward the market key. Windows of {esc(size)}; markers are alerts.")


def ticker_section(data: ReportData, options: ReportOptions) -> str:
    keys = chart_keys(data, "ticker", options)
    if not keys:
        return section("tickers", "Per-ticker sentiment", unavailable("no per-ticker windows", RUN_MONITOR))
    size = trend_size(data.windows, options)
    cards = "".join(key_card(data, key, size, options, "ticker") for key in keys)
    return section("tickers", "Per-ticker sentiment", f'<div class="cards">{cards}</div>',
                   f"{len(keys)} tickers: those with alerts first, then the busiest. Numbered markers match the "
                   "headlines listed under each chart.")


def alert_table_section(data: ReportData, options: ReportOptions) -> str:
    if data.alerts is None:
        return section("alerts", "Alerts", unavailable("no alerts table", RUN_MONITOR))
    if data.alerts.empty:
        return section("alerts", "Alerts", '<p class="muted">The monitor ran and raised no alerts.</p>')
    shown = data.alerts.head(options.max_alert_rows)
    rows, attrs = [], []
    for a in shown.itertuples():
        top = a.evidence[0]["headline"] if a.evidence else ""
        rows.append([when(a.window_start), esc(a.window_size), f"<code>{esc(a.key)}</code>", badge(a.state, a.state),
                     badge(a.severity, a.severity), pct(a.negative_share), pct(a.baseline_share), num(a.z, 1),
                     count(a.count), str(a.revision), esc(top)])
        attrs.append(f'data-alert-id="{esc(a.alert_id)}" data-key="{esc(a.key)}" data-state="{esc(a.state)}" '
                     f'data-severity="{esc(a.severity)}"')
    headers = ["window start (UTC)", "size", "key", "state", "severity", "negative", "baseline", "z", "headlines",
               "revision", "top headline"]
    firing = int((data.alerts["state"] == "firing").sum())
    more = (f'<p class="muted">Showing the newest {len(shown)} of {len(data.alerts)} alerts.</p>'
            if len(shown) < len(data.alerts) else "")
    filt = ('<label class="filter">Filter <input id="alert-filter" type="search" '
            'placeholder="key, state, severity, headline…" autocomplete="off"></label>')
    return section("alerts", "Alerts", filt + table(headers, rows, table_id="alert-table", row_attrs=attrs,
                                                   numeric=(5, 6, 7, 8, 9)) + more,
                   f"{len(data.alerts)} alerts, {firing} firing. Newest window first.")
