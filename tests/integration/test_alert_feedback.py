"""Analyst feedback round trip on the real broker: a relabel of an alert's headline reaches the labels
topic, the labels table (ingest job, then ``labels.land``) and the next continual round's new labels;
a false-alarm verdict shows in ``lam alerts stats``, a changed verdict replaces it, and bad feedback
writes nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from jobs import ingest, monitor
from lam_models import catalog
from lam_models.adapters.kafka_admin import read_topic_since
from lam_models.cli import alerts as alerts_cli
from lam_models.continual import labels as label_table
from lam_models.continual.loop import continual_config, load_new_labels
from lam_models.monitor.synthetic import TopicBurst, make_scored_headlines
from lam_models.sentiment.data import LABELS
from tests.integration.test_monitor_job import write_silver
from tests.lake_tables import read

pytestmark = pytest.mark.integration

BURST = TopicBurst(2, tuple(f"T{i:03d}" for i in range(8)), pd.Timestamp("2024-01-15T14:00", tz="UTC"), "1h", 12, 0.9)


def lam(monkeypatch, settings, *args: str):
    monkeypatch.setattr(alerts_cli, "settings", lambda: settings)
    return CliRunner().invoke(alerts_cli.app, list(args))


def on_topic(settings, topic: str) -> list[dict]:
    return [json.loads(v) for v in read_topic_since(settings, topic, {})]


def test_feedback_round_trip(kafka_settings, spark, monkeypatch, tmp_path):
    s = kafka_settings
    frame = make_scored_headlines(5000, days=20, n_tickers=10, n_topics=4, bursts=(BURST,), seed=6)
    write_silver(s, frame)
    monitor.run(s)
    alert = next(a for a in on_topic(s, s.topics.alerts) if a["kind"] == "topic" and a["key"] == "topic:2")
    headline = alert["evidence"][0]

    done = lam(monkeypatch, s, "feedback", alert["alert_id"], "--verdict", "false-alarm",
               "--relabel", f"{headline['id']}=neutral", "--analyst", "ana")
    assert done.exit_code == 0, done.output

    (label,) = on_topic(s, s.topics.labels)
    assert (label["text"], label["label"], label["ref_id"], label["source"]) == (headline["headline"], "neutral", headline["id"], "analyst:ana")
    assert ingest.run("labels", s).bronze == 1
    bronze = read(catalog.path(s.lake_root, "bronze/labels"))
    assert bronze[["id", "text", "label"]].values.tolist() == [[label["id"], headline["headline"], "neutral"]]
    assert label_table.land(s.lake_root, label_table.read_bronze(s.lake_root)).new == 1
    new = load_new_labels(s.model_copy(update={"home": tmp_path}), continual_config(s))
    assert [(t, LABELS[int(y)]) for t, y in zip(new.texts, new.labels)] == [(headline["headline"], "neutral")]

    stats = json.loads(lam(monkeypatch, s, "stats", "--json").stdout)
    assert stats["judged"] == 1
    (setting,) = stats["by_setting"]
    assert (setting["kind"], setting["window_size"], setting["false_alarm"], setting["precision"]) == ("topic", alert["window_size"], 1, 0.0)
    assert setting["detector"] == alert["detector"] and stats["by_topic"][0]["topic"] == 2

    for args, reason in (((f"{'0' * 32}",), "unknown alert_id"), ((alert["alert_id"], "--relabel", "no-such-id=negative"), "unknown headline"),
                         ((alert["alert_id"], "--relabel", f"{headline['id']}=bullish"), "label map")):
        refused = lam(monkeypatch, s, "feedback", *args, "--verdict", "useful")
        assert refused.exit_code == 2 and reason in " ".join(refused.output.split()), refused.output
    assert len(on_topic(s, s.topics.feedback)) == 1 and len(on_topic(s, s.topics.labels)) == 1, "bad feedback wrote nothing"

    assert lam(monkeypatch, s, "feedback", alert["alert_id"], "--verdict", "useful").exit_code == 0
    stats = json.loads(lam(monkeypatch, s, "stats", "--json").stdout)
    assert stats["judged"] == 1 and stats["by_setting"][0]["precision"] == 1.0, "the latest verdict counts"
    table = lam(monkeypatch, s, "stats")
    assert table.exit_code == 0 and "precision by topic" in table.output
