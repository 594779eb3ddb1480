"""Topic-aware monitor: a topic burst across many tickers is one topic alert (no per-ticker storm), one
company's burst stays a ticker alert, and every alert names its dominant topics with their shares."""

from __future__ import annotations

import pandas as pd
import pytest

from lam_models.contracts import load_contract
from lam_models.monitor.alerts import detect_alerts
from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.synthetic import TopicBurst, make_scored_headlines

T0 = pd.Timestamp("2024-01-01", tz="UTC")
BURST_START = T0 + pd.Timedelta(days=40, hours=13)
HOURLY = MonitorConfig(window_sizes=("1h",))


def overlapping(alerts: list[dict], start: pd.Timestamp) -> list[dict]:
    return [a for a in alerts if pd.Timestamp(a["window_start"]) <= start < pd.Timestamp(a["window_end"])]


@pytest.fixture(scope="module")
def burst_frame() -> pd.DataFrame:
    """60 days of background over 10 topics, plus topic 7 turning negative for 10 tickers in one hour."""
    tickers = tuple(f"T{i:03d}" for i in range(0, 30, 3))
    burst = TopicBurst(7, tickers, BURST_START, "1h", per_ticker=12, negative_share=0.9)
    return make_scored_headlines(60_000, 60, n_tickers=30, n_topics=10, bursts=(burst,), seed=5)


def test_a_topic_burst_across_ten_tickers_raises_one_topic_alert_and_no_ticker_storm(burst_frame) -> None:
    validate = load_contract("alert").validate
    alerts = detect_alerts(burst_frame, HOURLY)
    (alert,) = overlapping(alerts, BURST_START)
    assert (alert["kind"], alert["key"]) == ("topic", "topic:7")
    assert alert["breadth"] >= 10 and alert["topics"][0]["topic"] == 7 and alert["topics"][0]["share"] == 1.0
    assert all(e["id"] in set(burst_frame.loc[burst_frame["topic_id"] == 7, "id"]) for e in alert["evidence"])
    validate(alert)
    storm = overlapping(detect_alerts(burst_frame.drop(columns=["topic_id"]), HOURLY), BURST_START)
    assert sum(a["kind"] == "ticker" for a in storm) >= 5, "without topics the same burst is a per-ticker storm"
    daily = overlapping(detect_alerts(burst_frame, MonitorConfig()), BURST_START)
    assert {(a["kind"], a["key"]) for a in daily} == {("topic", "topic:7")}


def test_one_companys_topic_burst_stays_a_ticker_alert_naming_its_topic(make_frame, background) -> None:
    rows = background("ACME", hours=48, per_hour=10, negative_every=5)
    rows += [((T0 + pd.Timedelta(hours=40, minutes=2 * i)).isoformat(), ["ACME"], "negative", f"s{i}") for i in range(15)]
    frame = make_frame(rows)
    frame["topic_id"] = [int(i % 4) if not r[3].startswith("s") else 2 for i, r in enumerate(rows)]
    alerts = overlapping(detect_alerts(frame, HOURLY), T0 + pd.Timedelta(hours=40))
    ticker = next(a for a in alerts if a["key"] == "ticker:ACME")
    assert not [a for a in alerts if a["kind"] == "topic"], "one ticker is not breadth"
    in_window = frame[(frame["published_at"] >= T0 + pd.Timedelta(hours=40)) & (frame["published_at"] < T0 + pd.Timedelta(hours=41))]
    counts = in_window["topic_id"].value_counts()
    first = ticker["topics"][0]
    assert first["topic"] == 2 and first["count"] == counts[2]
    assert first["share"] == pytest.approx(counts[2] / len(in_window), abs=1e-6)
    assert [t["topic"] for t in ticker["topics"]] == [2, *sorted(counts.drop(2).index, key=lambda t: (-counts[t], t))[:2]]


def test_split_weighting_makes_a_many_ticker_headline_count_less_per_ticker(make_frame, background) -> None:
    rows = background("ACME", hours=48, per_hour=10, negative_every=5)
    others = ["ACME", "B1", "B2", "B3"]
    rows += [((T0 + pd.Timedelta(hours=40, minutes=2 * i)).isoformat(), others, "negative", f"s{i}") for i in range(15)]
    frame = make_frame(rows)
    full = [a for a in detect_alerts(frame, HOURLY) if a["key"] == "ticker:ACME"]
    split = [a for a in detect_alerts(frame, HOURLY.update(multi_ticker_weight="split")) if a["key"] == "ticker:ACME"]
    assert full and full[0]["figures"]["negative_count"] >= 15
    assert not split, "15 quarter-weight headlines are 3.75 headlines of ACME: below min_move"


@pytest.mark.parametrize("changes", [{"multi_ticker_weight": "half"}, {"topic_min_tickers": 0},
                                     {"topic_explains_share": 0.0}, {"dominant_topics": 0}])
def test_bad_topic_settings_are_rejected(changes) -> None:
    with pytest.raises(ValueError):
        MonitorConfig(**changes)
