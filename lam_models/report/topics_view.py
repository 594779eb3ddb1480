"""Topics section: per-topic trend (volume and negative share) for the top topics, the topic table,
and the monitor's per-topic cards with alert markers when the monitor keys windows by topic."""

from __future__ import annotations

from lam_models.report import charts
from lam_models.report.collect import ReportData
from lam_models.report.markup import ReportOptions, count, esc, figure, pct, section, table, unavailable
from lam_models.report.monitor_view import chart_keys, key_card, trend_size
from lam_models.report.topics_data import top_topics, topic_trend

BIN_NAMES = {"D": "day", "W-MON": "week", "MS": "month", "QS": "quarter", "YS": "year"}


def topic_label(topic: int, terms: dict[int, list[str]]) -> str:
    """``#7 earnings``: the id and the topic's first term (legends stay short)."""
    first = (terms.get(topic) or [""])[0]
    return f"#{topic} {first}".strip()


def trend_charts(data: ReportData, options: ReportOptions) -> str:
    """Two charts over the same bins: headlines per topic, and each topic's negative share."""
    daily = data.topic_daily
    topics = top_topics(daily, min(options.max_topics, len(charts.COLORS))) if daily is not None else []
    if not topics:
        return ""
    points, step = topic_trend(daily, topics, options.max_points)
    terms = (data.topic_model or {}).get("terms", {})
    volume, negative = [], []
    for i, topic in enumerate(topics):
        mine = points[points["topic_id"] == topic]
        name, color = topic_label(topic, terms), charts.COLORS[i % len(charts.COLORS)]
        volume.append(charts.Line(name, mine["start"], mine["count"].astype(float), color))
        negative.append(charts.Line(name, mine["start"], mine["negative_share"], color))
    unit = BIN_NAMES.get(step, step)
    volume_svg = charts.time_chart(volume, kind="topic-volume", label=f"headlines per topic per {unit}",
                                   y_label=f"headlines per {unit}", width=1100, height=240)
    negative_svg = charts.time_chart(negative, kind="topic-negative", label=f"negative share per topic per {unit}",
                                     y_label=f"negative share per {unit}", y_domain=(0.0, 1.0), percent=True,
                                     width=1100, height=240)
    note = "" if points["negative_share"].notna().any() else '<p class="muted">No sentiment labels in silver yet.</p>'
    return (figure(volume_svg, f"Headlines per {unit} of the {len(topics)} largest topics (outliers not shown).")
            + figure(negative_svg, f"Share of each topic's headlines labelled negative, per {unit}; gaps are empty bins.")
            + note)


def topic_table_html(data: ReportData, options: ReportOptions) -> str:
    frame = data.topics.head(options.max_topic_rows)  # type: ignore[union-attr]
    rows = [[f"<code>{int(r.topic_id)}</code>", esc(r.terms), count(r.size), count(r.headlines), pct(r.negative_share),
             "<br>".join(esc(e) for e in str(r.examples).split(" | "))] for r in frame.itertuples()]
    attrs = [f'data-topic-id="{int(r.topic_id)}"' for r in frame.itertuples()]
    info = data.topic_model or {}
    stats = info.get("stats", {})
    caption = (f'<p class="muted">Model <code>{esc(info.get("version"))}</code>: {count(stats.get("topics"))} topics, '
               f'{pct(stats.get("outlier_share"), 1)} of {count(stats.get("rows"))} fit headlines are outliers (-1). '
               f"Terms are class-based TF-IDF; examples are the headlines closest to the topic centroid.</p>")
    more = (f'<p class="muted">Showing the {len(frame)} largest of {len(data.topics)} topics.</p>'  # type: ignore[arg-type]
            if len(frame) < len(data.topics) else "")  # type: ignore[arg-type]
    headers = ["id", "top terms", "size (fit)", "headlines (silver)", "negative", "example headlines"]
    return "<h3>Topic table</h3>" + caption + table(headers, rows, table_id="topic-table", row_attrs=attrs,
                                                     numeric=(2, 3, 4)) + more


def topic_section(data: ReportData, options: ReportOptions) -> str:
    """Trend charts and the topic table from silver and the topic model; monitor topic cards when present."""
    body = trend_charts(data, options)
    if data.topics is not None:
        body += topic_table_html(data, options)
    keys = chart_keys(data, "topic", options)
    if keys:
        size = trend_size(data.windows, options)
        cards = "".join(key_card(data, key, size, options, "topic") for key in keys)
        body += f'<h3>Monitor windows per topic</h3><div class="cards">{cards}</div>'
    if not body:
        return section("topics", "Topics", unavailable(
            "no topic model or topic ids in silver", "Run `lam topics fit` after scoring; the next `lam score` writes topic ids."))
    return section("topics", "Topics", body, "What the news is about: topics discovered in the headline embeddings, "
                   "with stable ids across nightly refits.")
