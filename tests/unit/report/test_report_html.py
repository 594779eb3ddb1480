"""The page: self-contained, every section present in order, counts that match the data, safe text."""

from __future__ import annotations

import re

import pandas as pd

from lam_models.report import SECTIONS, ReportOptions, collect, render_report
from lam_models.report.collect import ReportData, alerts_frame


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', page)


def test_page_is_self_contained(report_data):
    page = render_report(report_data)
    assert not re.search(r"https?://", page), "no URL of any kind: nothing is fetched, nothing linked"
    assert "<link" not in page and "<script src" not in page and "<img" not in page and "@import" not in page
    assert section_ids(page) == [ident for ident, _, _ in SECTIONS]


def test_counts_match_the_data(report_data, fake_lake):
    page = render_report(report_data, ReportOptions(max_tickers=4))
    table = page.split('id="alert-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr data-alert-id=") == len(fake_lake.alerts)
    cards = re.findall(r'<article class="key-card" data-key="(ticker:[^"]+)"', page)
    assert len(cards) == 4 and cards[:2] == ["ticker:T003", "ticker:T001"]
    assert page.count('data-chart="ticker-trend"') == 4 and page.count('data-chart="market-trend"') == 1
    market = page.split('data-key="market"', 1)[1].split("</article>", 1)[0]
    assert market.count('class="marker"') == sum(a["key"] == "market" for a in fake_lake.alerts)
    topics = page.split('id="topics"', 1)[1].split("</section>", 1)[0]
    assert "data-unavailable" not in topics and topics.count("<tr data-topic-id=") == 5
    assert topics.count('data-chart="topic-volume"') == topics.count('data-chart="topic-negative"') == 1
    assert topics.count('class="series" data-series="#') == 2 * 5, "a volume and a negative-share line per topic"
    assert "&lt;b&gt;0&lt;/b&gt;" in topics and "<b>0</b>" not in topics, "example headlines are escaped"


def test_empty_inputs_render_every_section_as_not_available(tmp_path):
    page = render_report(collect(tmp_path / "lake", tmp_path / "registry"))
    assert section_ids(page) == [ident for ident, _, _ in SECTIONS]
    for ident, _, _ in SECTIONS:
        body = page.split(f'<section id="{ident}"', 1)[1].split("</section>", 1)[0]
        assert "Not available yet" in body, ident
    assert "<svg" not in page


def test_headline_text_is_escaped(report_data):
    alerts = report_data.alerts.copy()
    alerts.at[0, "evidence"] = [{"id": "x", "headline": "<script>alert(1)</script> & co", "score": -0.9,
                                 "published_at": "2024-03-25T13:55:00Z"}]
    page = render_report(ReportData(**{**report_data.__dict__, "alerts": alerts}))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_alert_table_is_capped_with_a_note(report_data):
    page = render_report(report_data, ReportOptions(max_alert_rows=2))
    assert page.split('id="alert-table"', 1)[1].split("</table>", 1)[0].count("<tr data-alert-id=") == 2
    assert f"Showing the newest 2 of {len(report_data.alerts)} alerts" in page


def test_topic_keys_get_their_own_trend_cards(report_data):
    """The place issue 14 fills: windows of kind ``topic`` are charted in the Topics section."""
    windows = report_data.windows
    topic = windows[windows["key"] == "ticker:T001"].assign(key="topic:3", kind="topic")
    data = ReportData(**{**report_data.__dict__, "windows": pd.concat([windows, topic], ignore_index=True)})
    body = render_report(data).split('<section id="topics"', 1)[1].split("</section>", 1)[0]
    assert 'data-key="topic:3"' in body and 'data-chart="topic-trend"' in body and "data-unavailable" not in body


def test_alerts_frame_orders_newest_first():
    def record(key, start):
        return {"alert_id": key + start, "key": key, "kind": "ticker", "window_size": "1h", "window_start": start,
                "window_end": start, "state": "firing", "severity": "low", "revision": 1,
                "figures": {"count": 5, "negative_count": 4, "negative_share": 0.8, "mean_score": -0.5},
                "baseline": {"negative_share": 0.2, "spread": 0.05, "history": 100.0}, "move": 0.5, "z": 4.0,
                "spike_windows": 1, "resolved_at": None, "evidence": []}

    frame = alerts_frame([record("ticker:A", "2024-01-01T00:00:00Z"), record("ticker:B", "2024-01-02T00:00:00Z")])
    assert list(frame["key"]) == ["ticker:B", "ticker:A"]
