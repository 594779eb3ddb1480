"""Per-topic trend bins and the topic table's silver figures (pure pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lam_models.report.topics_data import top_topics, topic_table, topic_trend


def daily_frame() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=90, freq="D", tz="UTC")
    rows = [(t, d, n, n // 2 if t else np.nan) for t, n in ((0, 4), (1, 2), (-1, 9)) for d in days]
    return pd.DataFrame(rows, columns=["topic_id", "day", "count", "negative_count"])


def test_top_topics_leave_outliers_out():
    assert top_topics(daily_frame(), 5) == [0, 1]


def test_trend_uses_the_finest_bins_that_fit_and_keeps_empty_bins():
    points, step = topic_trend(daily_frame(), [0, 1], max_points=400)
    assert step == "D" and len(points) == 2 * 90
    points, step = topic_trend(daily_frame(), [0, 1], max_points=20)
    assert step == "W-MON" and points.groupby("topic_id")["count"].sum().tolist() == [360, 180]
    weekly = points[points["topic_id"] == 1]
    assert np.allclose(weekly["negative_share"], 0.5)
    assert points[points["topic_id"] == 0]["negative_share"].isna().all(), "no labels: no negative share"


def test_trend_fills_bins_where_a_topic_has_no_headlines():
    frame = daily_frame()
    frame = frame[~((frame["topic_id"] == 1) & (frame["day"] < "2024-02-01"))]
    points, _ = topic_trend(frame, [0, 1], max_points=400)
    gap = points[(points["topic_id"] == 1) & (points["start"] < "2024-02-01")]
    assert len(gap) == 31 and (gap["count"] == 0).all() and gap["negative_share"].isna().all()


def test_topic_table_without_silver_counts():
    model = {"table": pd.DataFrame({"topic_id": [0], "size": [10], "terms": ["a"], "examples": ["x"]})}
    table = topic_table(model, None)
    assert table["headlines"].tolist() == [0] and table["negative_share"].isna().all()
    assert topic_table(None, daily_frame()) is None
