"""Topic-aware alerting (pure): topic-level alerts need breadth, they absorb the spikes they explain,
and every alert names its dominant topics.

A negative burst on one topic across many tickers is one event: it raises one ``topic`` alert, and
the ticker (and market) spikes it explains are folded into it instead of raising an alert storm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, TICKER_TOPIC_PREFIX, TOPIC_PREFIX, MonitorConfig

_WINDOW = ["window_size", "window_index"]


def mark_alerting(evaluated: pd.DataFrame, config: MonitorConfig) -> pd.DataFrame:
    """Add ``breadth``, ``explained`` and ``alerting`` to evaluated windows (in place, returned).

    * breadth (topic windows beside a spike, 0 elsewhere): distinct tickers with negative headlines of
      the topic in the window.
    * alerting: a topic spike with ``breadth >= topic_min_tickers``, or a market/ticker spike that
      is not ``explained``; (ticker, topic) windows never alert.
    * explained: a market/ticker spike whose negative headlines come ``>= topic_explains_share``
      from topics alerting in the same window.

    Each figure depends only on the windows of the same (size, index), so only the windows beside a
    spike (few) are worked on.
    """
    size, index = pd.factorize(evaluated["window_size"])[0].astype(np.int64), evaluated["window_index"].to_numpy(np.int64)
    window = size * (int(index.max(initial=0)) - int(index.min(initial=0)) + 1) + index - int(index.min(initial=0))
    spike = evaluated["spike"].to_numpy(dtype=bool)
    near = np.flatnonzero(np.isin(window, window[spike]))
    marked = _mark_windows(evaluated.iloc[near].reset_index(drop=True), config)
    for column in ("breadth", "explained", "alerting"):
        values = np.zeros(len(evaluated), dtype=marked[column].dtype)
        values[near] = marked[column]
        evaluated[column] = values
    return evaluated


def _mark_windows(evaluated: pd.DataFrame, config: MonitorConfig) -> dict[str, np.ndarray]:
    """``mark_alerting``'s figures for whole windows (every key of each (size, index) present)."""
    kind = evaluated["kind"].to_numpy(dtype=object)
    spike = evaluated["spike"].to_numpy(dtype=bool)
    pairs = _pair_windows(evaluated)
    negative_pairs = pairs[pairs["negative_count"] > 0]
    breadth_of = negative_pairs.groupby([*_WINDOW, "topic_key"]).size().rename("breadth").reset_index()
    breadth = np.where(kind == "topic", _lookup(evaluated, breadth_of.rename(columns={"topic_key": "key"}), "breadth"), 0)
    topic_alerting = (kind == "topic") & spike & (breadth >= config.topic_min_tickers)
    alerting_topics = evaluated.loc[topic_alerting, [*_WINDOW, "key"]].rename(columns={"key": "topic_key"})
    explained_count = pd.concat([
        negative_pairs.merge(alerting_topics, on=[*_WINDOW, "topic_key"])[[*_WINDOW, "parent", "negative_count"]],
        evaluated[topic_alerting].assign(parent=MARKET_KEY)[[*_WINDOW, "parent", "negative_count"]],
    ]).groupby([*_WINDOW, "parent"])["negative_count"].sum().reset_index().rename(columns={"parent": "key"})
    share = _lookup(evaluated, explained_count, "negative_count") / np.maximum(evaluated["negative_count"].to_numpy(), 1e-12)
    headline_kind = (kind == MARKET_KEY) | (kind == "ticker")
    explained = headline_kind & spike & (share >= config.topic_explains_share)
    return {"breadth": breadth.astype(np.int64), "explained": explained,
            "alerting": topic_alerting | (headline_kind & spike & ~explained)}


def dominant_topics(evaluated: pd.DataFrame, targets: list[tuple[str, str, int]],
                    top: int) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    """The ``top`` topics by headline count in each target window, with their shares of the window.

    A market window's topics are the topic windows beside it; a ticker's are its (ticker, topic)
    windows; a topic window's is itself. Outlier headlines (topic -1) count in the window's total
    but are never named, so shares may sum below 1.

    Args:
        evaluated: windows of every kind (output of ``evaluate_windows``).
        targets: (key, window size, window index) of the alert windows.
        top: topics per window.

    Returns:
        Target -> ``[{"topic", "count", "share", "negative_share"}]``, largest count first, then
        lowest topic id; an empty list when the window has no topic.
    """
    found: dict[tuple[str, str, int], list[dict[str, Any]]] = {t: [] for t in targets}
    if not targets:
        return found
    topics = evaluated[evaluated["kind"] == "topic"]
    contributions = pd.concat([
        topics.assign(parent=MARKET_KEY, topic_key=topics["key"]),
        topics.assign(parent=topics["key"], topic_key=topics["key"]),
        _pair_windows(evaluated),
    ])[[*_WINDOW, "parent", "topic_key", "count", "negative_count"]]
    wanted = pd.DataFrame(targets, columns=["parent", "window_size", "window_index"])
    totals = evaluated[["key", *_WINDOW, "count"]].rename(columns={"key": "parent", "count": "total"})
    rows = contributions.merge(wanted, on=["parent", *_WINDOW]).merge(totals, on=["parent", *_WINDOW])
    rows["topic"] = rows["topic_key"].str.removeprefix(TOPIC_PREFIX).astype(np.int64)
    rows = rows.sort_values(["count", "topic"], ascending=[False, True], kind="stable")
    for row in rows.groupby(["parent", *_WINDOW], sort=False).head(top).itertuples(index=False):
        found[(row.parent, row.window_size, int(row.window_index))].append({
            "topic": int(row.topic),
            "count": count_number(row.count),
            "share": round(float(row.count) / float(row.total), 6),
            "negative_share": round(float(row.negative_count) / float(row.count), 6),
        })
    return found


def _pair_windows(evaluated: pd.DataFrame) -> pd.DataFrame:
    """(ticker, topic) windows with their ``parent`` (``ticker:T``) and ``topic_key`` (``topic:N``)."""
    pairs = evaluated.loc[evaluated["kind"].to_numpy() == "ticker_topic", [*_WINDOW, "key", "count", "negative_count"]]
    codes, keys = pd.factorize(pairs["key"])
    split = [str(key).removeprefix(TICKER_TOPIC_PREFIX).rpartition("@") for key in keys]
    parents = np.array([TICKER_PREFIX + t for t, _, _ in split], dtype=object)
    topic_keys = np.array([TOPIC_PREFIX + n for _, _, n in split], dtype=object)
    return pairs.assign(parent=parents[codes] if len(keys) else pairs["key"].astype(object),
                        topic_key=topic_keys[codes] if len(keys) else pairs["key"].astype(object))


def _lookup(evaluated: pd.DataFrame, values: pd.DataFrame, column: str) -> np.ndarray:
    """``values[column]`` aligned to the rows of ``evaluated`` on (window size, window index, key); 0 where absent.

    The three columns become one int64 code per row (factorised keys and sizes), so the alignment is a
    sorted search rather than a merge on strings."""
    if values.empty or evaluated.empty:
        return np.zeros(len(evaluated))
    keys = pd.Index(pd.unique(np.concatenate([evaluated["key"].to_numpy(dtype=object), values["key"].to_numpy(dtype=object)])))
    sizes = pd.Index(pd.unique(np.concatenate([evaluated["window_size"].to_numpy(dtype=object),
                                               values["window_size"].to_numpy(dtype=object)])))
    low = min(int(evaluated["window_index"].min()), int(values["window_index"].min()))
    span = max(int(evaluated["window_index"].max()), int(values["window_index"].max())) - low + 1

    def code(frame: pd.DataFrame) -> np.ndarray:
        key = keys.get_indexer(frame["key"].to_numpy(dtype=object)).astype(np.int64)
        size = sizes.get_indexer(frame["window_size"].to_numpy(dtype=object)).astype(np.int64)
        return (key * len(sizes) + size) * span + (frame["window_index"].to_numpy(dtype=np.int64) - low)

    wanted, known = code(evaluated), code(values)
    order = np.argsort(known, kind="stable")
    at = np.clip(np.searchsorted(known[order], wanted), 0, len(known) - 1)
    hit = known[order][at] == wanted
    return np.where(hit, values[column].to_numpy(dtype=np.float64)[order][at], 0.0)


def count_number(value: float) -> int | float:
    """A count as an int when whole (weight 1), else rounded (split weights)."""
    return int(value) if float(value).is_integer() else round(float(value), 6)
