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


def test_topic_ids_add_topic_and_ticker_topic_keys_but_outliers_get_none(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T10:00:00Z", ["AAPL", "MSFT"], "negative", "a"),
        ("2024-01-01T10:30:00Z", [], "neutral", "b"),
        ("2024-01-01T10:40:00Z", ["AAPL"], "negative", "c"),
        ("2024-01-01T10:50:00Z", ["AAPL"], "negative", "d"),
    ])
    frame["topic_id"] = [3, 3, -1, None]
    windows = compute_windows(frame, ("1h",)).set_index("key")
    assert set(windows.index) == {"market", "ticker:AAPL", "ticker:MSFT", "topic:3",
                                  "ticker_topic:AAPL@3", "ticker_topic:MSFT@3"}
    assert windows.loc["topic:3", ["count", "negative_count"]].tolist() == [2, 1]
    assert windows.loc["ticker:AAPL", "count"] == 3 and windows.loc["ticker_topic:AAPL@3", "count"] == 1
    assert windows.loc["ticker_topic:AAPL@3", "kind"] == "ticker_topic"
    without = compute_windows(frame.drop(columns=["topic_id"]), ("1h",))
    assert set(without["kind"]) == {"market", "ticker"}


def test_multi_ticker_headlines_split_their_weight_but_count_once_for_the_market(make_frame) -> None:
    frame = make_frame([
        ("2024-01-01T10:00:00Z", ["AAPL", "MSFT", "AAPL", "GOOG", "TSLA"], "negative", "a"),
        ("2024-01-01T10:10:00Z", ["AAPL"], "positive", "b"),
    ])
    full = compute_windows(frame, ("1h",)).set_index("key")
    split = compute_windows(frame, ("1h",), multi_ticker_weight="split").set_index("key")
    assert full.loc["ticker:AAPL", ["count", "negative_count"]].tolist() == [2, 1]
    assert split.loc["ticker:AAPL", ["count", "negative_count"]].tolist() == pytest.approx([1.25, 0.25])
    assert split.loc["ticker:AAPL", "mean_score"] == pytest.approx((0.25 * -0.8 + 0.7) / 1.25)
    assert split.loc["ticker:MSFT", "count"] == pytest.approx(0.25)
    assert split.loc[split["kind"] == "ticker", "count"].sum() == pytest.approx(2.0)
    assert split.loc["market", "count"] == full.loc["market", "count"] == 2


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


def test_microsecond_timestamps_as_read_from_parquet_give_the_same_windows(make_frame) -> None:
    frame = make_frame([("2024-01-01T10:05:00Z", ["AAPL"], "negative", "a"), ("2024-01-02T11:00:00Z", [], "neutral", "b")])
    micro = frame.assign(published_at=frame["published_at"].astype("datetime64[us, UTC]"))
    pd.testing.assert_frame_equal(compute_windows(micro, ("1h", "1d")), compute_windows(frame, ("1h", "1d")))
