"""Monitor job with topic ids in silver: Spark windows (topic, ticker-topic, split weights) give the same
alerts as the pure detector, and a topic burst across ten tickers goes out as one topic alert."""

from __future__ import annotations

import pandas as pd
import pytest

from jobs import monitor
from lam_models.monitor.alerts import detect_alerts
from lam_models.monitor.synthetic import TopicBurst, make_scored_headlines
from tests.integration.test_monitor_job import topic_alerts, write_silver

pytestmark = pytest.mark.integration

BURST = TopicBurst(3, tuple(f"T{i:03d}" for i in range(10)), pd.Timestamp("2024-01-20T10:00", tz="UTC"), "1h", 10, 0.9)
COMPARED = ("alert_id", "kind", "key", "window_start", "state", "figures", "topics", "breadth", "detector", "fingerprint")


def test_spark_topic_windows_match_the_pure_detector_and_the_burst_is_one_topic_alert(kafka_settings, spark):
    s = kafka_settings.model_copy(update={"monitor": kafka_settings.monitor.model_copy(update={"multi_ticker_weight": "split"})})
    frame = make_scored_headlines(8000, days=30, n_tickers=12, n_topics=5, bursts=(BURST,), seed=4)
    write_silver(s, frame)

    result = monitor.run(s)

    sent = topic_alerts(s)
    expected = detect_alerts(frame, s.monitor)
    assert result.published == len(sent) == len(expected) > 0
    pick = lambda alerts: sorted(tuple(str(a.get(k)) for k in COMPARED) for a in alerts)  # noqa: E731
    assert pick(sent) == pick(expected)
    during = [a for a in sent if a["window_start"] == "2024-01-20T10:00:00Z" and a["window_size"] == "1h"]
    assert [(a["kind"], a["key"]) for a in during] == [("topic", "topic:3")]
    assert during[0]["breadth"] >= 10 and during[0]["topics"][0]["topic"] == 3
