"""Readers of the report: what the runs wrote comes back as plain frames; missing inputs come back None."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from lam_models.registry import write_version
from lam_models.report import collect, trend
from lam_models.report.collect import (
    read_deadletter, read_recsys_evaluation, read_runs, read_sentiment_metrics, read_silver_summary,
)  # fmt: skip
from tests.unit.report.fixtures import scored_headlines, write_silver


def test_everything_missing_gives_none_not_errors(tmp_path):
    data = collect(tmp_path / "lake", tmp_path / "registry")
    assert data.windows is None and data.alerts is None and data.headlines is None
    assert data.runs is None and data.deadletter is None and data.sentiment is None and data.recsys is None


def test_alerts_and_windows_come_back_as_written(fake_lake, report_data):
    alerts = report_data.alerts
    assert len(alerts) == len(fake_lake.alerts)
    assert set(alerts["alert_id"]) == {a["alert_id"] for a in fake_lake.alerts}
    assert alerts["window_start"].is_monotonic_decreasing
    assert str(alerts["window_start"].dt.tz) == "UTC"
    first = alerts.iloc[0]
    record = next(a for a in fake_lake.alerts if a["alert_id"] == first["alert_id"])
    assert first["evidence"] == record["evidence"] and first["negative_share"] == record["figures"]["negative_share"]
    assert report_data.windows_source == "gold/monitor_windows"
    assert {"market", "ticker:T001"} <= set(report_data.windows["key"])


def test_silver_summary_counts_labels_and_versions(fake_lake, report_data):
    summary = report_data.headlines
    assert summary["rows"] == len(fake_lake.headlines) and summary["scored"]
    assert summary["labels"] == fake_lake.headlines["label"].value_counts().to_dict()
    assert summary["first"].startswith("2024-03-01")


def test_silver_without_sentiment_columns_is_unscored_and_has_no_windows(tmp_path):
    frame = scored_headlines().drop(columns=["p_negative", "p_neutral", "p_positive", "label", "score"]).head(200)
    write_silver(tmp_path / "lake", frame)
    assert read_silver_summary(tmp_path / "lake")["scored"] is False
    assert collect(tmp_path / "lake").windows is None


def test_windows_recomputed_from_silver_when_the_monitor_has_not_run(tmp_path):
    frame = scored_headlines().head(800)
    write_silver(tmp_path / "lake", frame)
    data = collect(tmp_path / "lake")
    assert data.windows_source == "silver/news" and data.alerts is None
    market = data.windows[(data.windows["key"] == "market") & (data.windows["window_size"] == "1d")]
    assert market["count"].sum() == len(frame)


def test_run_totals_and_reconciliation_inputs(report_data, fake_lake):
    runs = read_runs(fake_lake.lake_root).set_index(["job", "name"])
    news = runs.loc[("ingest", "news")]
    assert news["records_in"] == news["bronze"] + news["deadletter"] + news["already_ingested"] == len(fake_lake.headlines) + 22
    assert news["reasons"] == {"schema": 7, "malformed json": 3, "duplicate id": 12}
    assert runs.loc[("score", "news"), "rows_out"] == len(fake_lake.headlines)
    assert "seconds" not in runs.columns


def test_deadletter_grouped_by_topic_and_reason_kind(fake_lake):
    frame = read_deadletter(fake_lake.lake_root)
    assert dict(zip(frame["kind"], frame["count"], strict=True)) == fake_lake.deadletter_reasons
    assert frame["count"].is_monotonic_decreasing
    assert set(frame["topic"]) == {"news", "interactions"}


def test_sentiment_metrics_of_production_else_newest(tmp_path, report_data):
    assert report_data.sentiment["production"] is True
    assert report_data.sentiment["metrics"]["test"]["per_class"]["negative"]["support"] == 130
    root = tmp_path / "registry"
    version = write_version(root, lambda folder: None, config={}, labels=["a"], metrics={"test": {}}, data_hash="0")
    info = read_sentiment_metrics(root)
    assert info["version_id"] == version and info["production"] is False
    assert read_sentiment_metrics(tmp_path / "nothing") is None


def test_recsys_evaluation_read_or_rejected(tmp_path, report_data):
    assert set(report_data.recsys["protocols"]) == {"recommenders", "cold_items"}
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert read_recsys_evaluation(bad) is None
    bad.write_text(json.dumps({"rows": []}))
    assert read_recsys_evaluation(bad) is None
    assert read_recsys_evaluation(tmp_path / "missing.json") is None


def test_trend_merges_long_histories_keeping_counts_and_weighted_share():
    start = pd.Timestamp("2024-01-01", tz="UTC")
    n = 1000
    rng = np.random.default_rng(0)
    count = rng.integers(1, 20, n)
    negative = rng.binomial(count, 0.3)
    windows = pd.DataFrame({"key": "market", "window_size": "1h", "window_start": start + pd.to_timedelta(np.arange(n), unit="h"),
                            "count": count, "negative_count": negative, "negative_share": negative / count,
                            "baseline_share": 0.3, "mean_score": 0.1, "spike": False})
    merged = trend(windows, "market", "1h", max_points=100)
    assert len(merged) <= 100 and merged["window_start"].is_monotonic_increasing
    assert merged["count"].sum() == count.sum()
    assert np.isclose((merged["negative_share"] * merged["count"]).sum(), negative.sum())
    assert np.allclose(merged["baseline_share"], 0.3)
    assert len(trend(windows, "market", "1h", max_points=5000)) == n


def test_topic_inputs_come_back_with_silver_counts(fake_lake, report_data):
    from tests.unit.report.fixtures import topic_ids

    ids = topic_ids(fake_lake.headlines["headline"])
    table = report_data.topics.set_index("topic_id")
    assert report_data.topic_model["stats"]["topics"] == 5 and list(table.index) == [0, 1, 2, 3, 4]
    for topic in range(5):
        mine = fake_lake.headlines[ids == topic]
        assert table.loc[topic, "headlines"] == len(mine)
        assert table.loc[topic, "negative_share"] == (mine["label"] == "negative").mean()
    daily = report_data.topic_daily
    assert daily["count"].sum() == len(fake_lake.headlines) and (daily["topic_id"] == -1).any()


def test_silver_without_topic_columns_gives_no_topic_inputs(tmp_path):
    from lam_models.report.topics_data import read_topic_daily

    from tests.lake_tables import append

    append(tmp_path / "lake" / "silver" / "news", scored_headlines())
    assert read_topic_daily(tmp_path / "lake") is None
