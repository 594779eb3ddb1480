"""Injected trends in the synthetic generator: a slow ramp of one key's own headlines, nothing else changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lam_models.monitor.synthetic import InjectedTrend, make_scored_headlines, on_key, score_detection

T0 = pd.Timestamp("2024-01-01", tz="UTC")
TREND = InjectedTrend("ticker:T001", T0 + pd.Timedelta(days=20), "10D", 0.8)


def test_trend_turns_only_its_keys_headlines_inside_it_negative():
    plain = make_scored_headlines(30_000, 40, n_tickers=10, seed=3)
    trended = make_scored_headlines(30_000, 40, n_tickers=10, trends=(TREND,), seed=3)
    assert len(trended) == len(plain)  # a trend adds no volume
    changed = (plain["label"] != trended["label"]).to_numpy()
    inside = ((trended["published_at"] >= TREND.start) & (trended["published_at"] < TREND.end)).to_numpy()
    assert changed.sum() > 0
    assert (trended["label"][changed] == "negative").all()
    assert not (changed & ~(inside & on_key(trended["tickers"].tolist(), TREND.key))).any()
    untouched = ["id", "headline", "published_at"]
    assert plain[untouched].equals(trended[untouched])


def test_trend_share_ramps_from_background_to_peak():
    frame = make_scored_headlines(60_000, 40, n_tickers=10, trends=(TREND,), seed=4)
    mine = frame[on_key(frame["tickers"].tolist(), TREND.key)]
    negative = mine["label"] == "negative"

    def share(start: pd.Timestamp, days: float) -> float:
        inside = (mine["published_at"] >= start) & (mine["published_at"] < start + pd.Timedelta(days=days))
        return float(negative[inside].mean())

    before = share(T0 + pd.Timedelta(days=5), 15)
    assert abs(share(TREND.start, 1) - before) < 0.1
    assert abs(share(TREND.end - pd.Timedelta(days=1), 1) - 0.8) < 0.1
    assert abs(share(TREND.end, 10) - before) < 0.1


def test_score_detection_finds_a_trend_by_overlap():
    alert = {"key": TREND.key, "window_size": "1d", "window_start": (TREND.end - pd.Timedelta(days=1)).isoformat(),
             "window_end": TREND.end.isoformat()}
    late = {**alert, "window_start": TREND.end.isoformat(), "window_end": (TREND.end + pd.Timedelta(days=1)).isoformat()}
    assert score_detection([alert], (TREND,), 100)["recall"] == 1.0
    result = score_detection([late], (TREND,), 100)
    assert (result["recall"], result["false_alarms"]) == (0.0, 1)
    assert np.isnan(score_detection([], (), 100)["recall"])
