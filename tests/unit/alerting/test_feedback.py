"""Analyst feedback: relabel parsing, schema-checked verdict and label records carrying the headline
text, look-ups in the lake, nothing sent on bad input, and precision by detector setting and topic."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from lam_models import catalog
from lam_models.adapters import alert_feedback
from lam_models.alerting import feedback as fb
from lam_models.alerting.feedback_stats import BY_SETTING, BY_TOPIC, latest_verdicts, precision
from lam_models.contracts import load_contract
from lam_models.monitor.alerts import detect_alerts
from lam_models.monitor.config import MonitorConfig, detector_id
from lam_models.monitor.synthetic import TopicBurst, make_scored_headlines
from tests.lake_tables import append

TS = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    burst = TopicBurst(4, tuple(f"T{i:03d}" for i in range(8)), pd.Timestamp("2024-01-12T09:00", tz="UTC"), "1h", 12, 0.9)
    return make_scored_headlines(6000, 20, n_tickers=10, n_topics=6, bursts=(burst,), seed=2)


@pytest.fixture(scope="module")
def alerts(scored) -> list[dict]:
    found = detect_alerts(scored, MonitorConfig())
    assert {a["kind"] for a in found} >= {"topic"}
    return found


@pytest.fixture
def lake_root(tmp_path, scored, alerts):
    """A lake with the alerts table and the headlines split between silver and bronze."""
    root = tmp_path / "lake"
    append(catalog.path(root, "gold/alerts"), pd.DataFrame({
        "alert_id": [a["alert_id"] for a in alerts], "record": [json.dumps(a) for a in alerts]}))
    append(catalog.path(root, "silver/news"), scored.iloc[:3000][["id", "headline"]])
    append(catalog.path(root, "bronze/news"), scored.iloc[3000:][["id", "headline"]])
    return root


def test_relabels_parse_and_bad_ones_are_refused_with_the_reason() -> None:
    assert fb.parse_relabels(["h1=negative", "bz=9=positive", "h1=negative"]) == {"h1": "negative", "bz=9": "positive"}
    for bad, reason in ((["h1"], "HEADLINE_ID=LABEL"), (["h1=bearish"], "label map"), (["=neutral"], "HEADLINE_ID"),
                        (["h1=negative", "h1=positive"], "two labels")):
        with pytest.raises(fb.FeedbackError, match=reason):
            fb.parse_relabels(bad)


def test_records_carry_the_headline_text_and_the_alerts_setting_and_match_their_schemas(alerts) -> None:
    alert = next(a for a in alerts if a["kind"] == "topic")
    record, labels = fb.build_records(alert, "false-alarm", {"h7": "positive"}, {"h7": "Acme beats"}, "ana", TS)
    load_contract("feedback").validate(record)
    (label,) = labels
    assert (label["text"], label["label"], label["source"], label["ref_id"]) == ("Acme beats", "positive", "analyst:ana", "h7")
    assert record["relabels"] == [{"headline_id": "h7", "label": "positive", "label_id": label["id"]}]
    assert record["alert"]["detector"] == detector_id(MonitorConfig()) and record["alert"]["topics"][0] == 4
    again, _ = fb.build_records(alert, "false-alarm", {"h7": "positive"}, {"h7": "Acme beats"}, "ana", TS)
    assert again["feedback_id"] == record["feedback_id"], "ids are content hashes"
    with pytest.raises(fb.FeedbackError, match="unknown headline"):
        fb.build_records(alert, "useful", {"nope": "negative"}, {}, "ana", TS)
    with pytest.raises(fb.FeedbackError, match="verdict"):
        fb.build_records(alert, "meh", {}, {}, "ana", TS)


def test_lookups_find_alerts_and_headline_text_in_silver_then_bronze(lake_root, scored, alerts) -> None:
    assert alert_feedback.find_alert(lake_root, alerts[0]["alert_id"]) == alerts[0]
    ids = [scored["id"].iloc[10], scored["id"].iloc[5000], "missing"]
    assert alert_feedback.find_headlines(lake_root, ids) == {i: scored.set_index("id").loc[i, "headline"] for i in ids[:2]}
    with pytest.raises(fb.FeedbackError, match="unknown alert_id"):
        alert_feedback.find_alert(lake_root, "0" * 32)


@pytest.mark.parametrize("case", ["unknown alert", "unknown headline", "bad label"])
def test_bad_feedback_sends_nothing(case, lake_root, alerts, scored, settings, monkeypatch) -> None:
    sent = []
    monkeypatch.setattr(alert_feedback, "_publish", lambda *args: sent.append(args))
    alert_id = "f" * 32 if case == "unknown alert" else alerts[0]["alert_id"]
    relabel = {"unknown headline": ["nope=negative"], "bad label": [f"{scored['id'].iloc[0]}=bearish"]}.get(case, [])
    with pytest.raises(fb.FeedbackError):
        alert_feedback.submit_feedback(settings.model_copy(update={"lake_root": lake_root}), alert_id, "useful", relabel, "ana", TS)
    assert sent == []
    alert_feedback.submit_feedback(settings.model_copy(update={"lake_root": lake_root}), alerts[0]["alert_id"], "useful",
                                   [f"{scored['id'].iloc[0]}=neutral"], "ana", TS)
    assert len(sent) == 1 and sent[0][2][0]["text"] == scored["headline"].iloc[0]


def test_precision_uses_each_alerts_latest_verdict_per_setting_and_topic(alerts) -> None:
    topic = next(a for a in alerts if a["kind"] == "topic")
    market = next(a for a in alerts if a["kind"] == "market")
    records = [fb.build_records(a, v, {}, {}, "ana", TS)[0]
               for a, v in ((topic, "false-alarm"), (market, "useful"), (topic, "useful"), (market, "false-alarm"))]
    records.append({**records[0], "alert": {**records[0]["alert"], "detector": None}, "alert_id": "a" * 32})
    verdicts = latest_verdicts(records)
    assert dict(zip(verdicts["alert_id"], verdicts["verdict"])) == {
        topic["alert_id"]: "useful", market["alert_id"]: "false-alarm", "a" * 32: "false-alarm"}
    by_setting = precision(verdicts, BY_SETTING).set_index(list(BY_SETTING))
    assert by_setting.loc[(detector_id(MonitorConfig()), "topic", topic["window_size"]), "precision"] == 1.0
    assert by_setting.loc[("unrecorded", "topic", topic["window_size"]), "false_alarm"] == 1
    by_topic = precision(verdicts, BY_TOPIC).set_index("topic")
    assert by_topic.loc[4, ["alerts", "useful", "false_alarm"]].tolist() == [2, 1, 1] and by_topic.loc[4, "precision"] == 0.5
    assert precision(latest_verdicts([]), BY_TOPIC).empty
