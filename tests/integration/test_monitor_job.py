"""Monitor job on real Spark and the real broker: alerts with evidence, no second copy on rerun, late data updates."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jobs import monitor
from lam_models import catalog
from lam_models.delta_tables import read_frame
from lam_models.adapters.kafka_admin import read_topic_since
from lam_models.monitor.synthetic import InjectedSpike, make_scored_headlines
from tests.lake_tables import append

pytestmark = pytest.mark.integration

SPIKE = InjectedSpike(key="ticker:T001", start=pd.Timestamp("2024-01-20T10:00", tz="UTC"), duration="1h", extra=30, negative_share=0.9)


def write_silver(settings, frame: pd.DataFrame) -> None:
    frame = frame.assign(event_date=frame["published_at"].dt.date.astype(str), source="test", model_version="test",
                         published_at=frame["published_at"].astype("datetime64[us, UTC]"))
    append(catalog.path(settings.lake_root, "silver/news"), frame)


def topic_alerts(settings) -> list[dict]:
    return [json.loads(v) for v in read_topic_since(settings, settings.topics.alerts, {})]


def test_alerts_are_published_once_with_evidence_and_updated_on_late_data(kafka_settings, spark):
    s = kafka_settings
    write_silver(s, make_scored_headlines(6000, days=30, n_tickers=10, spikes=(SPIKE,), seed=3))

    first = monitor.run(s)

    sent = topic_alerts(s)
    assert first.alerts >= 1 and first.published == first.alerts == len(sent)
    spike_alerts = [a for a in sent if a["key"] == SPIKE.key and a["window_start"] == "2024-01-20T10:00:00Z"]
    assert len(spike_alerts) == 1 and spike_alerts[0]["evidence"], "the injected spike fires once, with headlines"
    assert all(e["score"] <= spike_alerts[0]["evidence"][-1]["score"] for e in spike_alerts[0]["evidence"][:1])
    windows = read_frame(catalog.path(s.lake_root, "gold/monitor_windows"))
    assert windows["spike"].sum() == first.spike_windows

    again = monitor.run(s)
    assert again.published == 0 and len(topic_alerts(s)) == len(sent), "a rerun sends no second copy"

    late = make_scored_headlines(0, days=1, n_tickers=1, seed=9,
                                 spikes=(InjectedSpike(SPIKE.key, SPIKE.start, "1h", 10, 1.0),))
    write_silver(s, late.assign(id="late-" + late["id"].astype(str)))
    third = monitor.run(s)
    updates = [a for a in topic_alerts(s) if a["alert_id"] == spike_alerts[0]["alert_id"]]
    revisions = [a["revision"] for a in updates]
    assert third.published >= 1 and len(revisions) == 2 and revisions[1] > revisions[0], "late headlines update the alert"
    assert updates[1]["figures"]["count"] > updates[0]["figures"]["count"]
    stored = read_frame(catalog.path(s.lake_root, "gold/alerts"))
    assert stored["alert_id"].is_unique
