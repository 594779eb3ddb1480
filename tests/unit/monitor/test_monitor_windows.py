"""Event-time windows: per-key figures, the market key, bad input, and count conservation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.monitor.windows import compute_windows, explode_keys, window_stats


def test_figures_per_ticker_and_market(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T10:05:00Z", ["AAPL"], "negative", "a"),
        ("2024-01-01T10:20:00Z", ["AAPL", "MSFT"], "positive", "b"),
        ("2024-01-01T10:59:59Z", [], "negative", "c"),
        ("2024-01-01T11:00:00Z", ["AAPL"], "neutral", "d"),
    ])
    windows = compute_windows(frame, ("1h",)).set_index(["key", "window_start"])
    ten, eleven = pd.Timestamp("2024-01-01T10:00Z"), pd.Timestamp("2024-01-01T11:00Z")
    aapl = windows.loc[("ticker:AAPL", ten)]
    assert (aapl["count"], aapl["negative_count"]) == (2, 1)
    assert aapl["negative_share"] == pytest.approx(0.5)
    assert aapl["mean_score"] == pytest.approx((-0.8 + 0.7) / 2)
    assert aapl["window_end"] == eleven and aapl["kind"] == "ticker"
    market = windows.loc[("market", ten)]
    assert (market["count"], market["negative_count"]) == (3, 2)
    assert windows.loc[("market", eleven), "count"] == 1
    assert windows.loc[("ticker:MSFT", ten), "count"] == 1


def test_headlines_without_ticker_reach_the_market_key_only(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T10:00:00Z", None, "negative", "a"),
        ("2024-01-01T10:01:00Z", [], "negative", "b"),
        ("2024-01-01T10:02:00Z", ["", None], "negative", "c"),
    ])
    windows = compute_windows(frame, ("1h", "1d"))
    assert set(windows["key"]) == {"market"}
    assert windows["count"].tolist() == [3, 3]


def test_a_ticker_repeated_in_one_headline_counts_once(make_frame) -> None:
    frame = make_frame([("2024-01-01T10:00:00Z", ["AAPL", "AAPL"], "negative", "a")])
    keyed = explode_keys(frame)
    assert sorted(keyed["key"].astype(str)) == ["market", "ticker:AAPL"]


def test_generic_key_columns_add_topic_keys(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T10:00:00Z", ["AAPL"], "negative", "a"),
        ("2024-01-01T10:30:00Z", [], "neutral", "b"),
    ])
    frame["topic"] = [3, None]
    windows = compute_windows(frame, ("1h",), key_columns={"tickers": "ticker", "topic": "topic"})
    assert set(windows["key"]) == {"market", "ticker:AAPL", "topic:3"}
    assert set(windows["kind"]) == {"market", "ticker", "topic"}


def test_tz_naive_times_and_missing_columns_fail_with_a_fix(make_frame) -> None:
    frame = make_frame([("2024-01-01T10:00:00Z", ["AAPL"], "negative", "a")])
    naive = frame.assign(published_at=frame["published_at"].dt.tz_localize(None))
    with pytest.raises(ValueError, match="tz_localize"):
        explode_keys(naive)
    with pytest.raises(ValueError, match="lack columns"):
        explode_keys(frame.drop(columns=["score"]))


def test_windows_align_to_the_epoch_and_rows_without_time_are_left_out(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T23:59:59Z", ["AAPL"], "negative", "a"),
        ("2024-01-02T00:00:00Z", ["AAPL"], "negative", "b"),
    ])
    frame.loc[2] = frame.loc[1]
    frame.loc[2, "published_at"] = pd.NaT
    days = window_stats(explode_keys(frame), "1d")
    assert days["window_start"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-02"] * 2
    assert days["count"].sum() == 4


_rows = st.lists(
    st.tuples(
        st.integers(0, 5 * 86_400),
        st.lists(st.sampled_from(["AAA", "BBB", "CCC"]), max_size=3),
        st.sampled_from(["negative", "neutral", "positive"]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(_rows)
def test_counts_are_conserved_for_any_input(rows) -> None:
    frame = pd.DataFrame({
        "id": [f"h{i}" for i in range(len(rows))],
        "tickers": [r[1] for r in rows],
        "headline": "x",
        "published_at": pd.to_datetime([r[0] for r in rows], unit="s", utc=True),
        "label": [r[2] for r in rows],
        "score": [-0.5 if r[2] == "negative" else 0.5 for r in rows],
    })
    windows = compute_windows(frame, ("1h", "1d"))
    for size in ("1h", "1d"):
        mine = windows[windows["window_size"] == size]
        market = mine[mine["key"] == "market"]
        assert market["count"].sum() == len(rows)
        assert market["negative_count"].sum() == sum(r[2] == "negative" for r in rows)
        assert mine[mine["kind"] == "ticker"]["count"].sum() == sum(len(set(r[1])) for r in rows)
        assert np.all((mine["negative_share"] >= 0) & (mine["negative_share"] <= 1))
