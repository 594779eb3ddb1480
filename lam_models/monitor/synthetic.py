"""Seeded synthetic scored headlines with injected negative spikes, and recall / false-alarm scoring.

Used by the monitor's behaviour tests and by ``bench/monitor.py``; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, window_nanos


@dataclass(frozen=True)
class InjectedSpike:
    """Extra headlines for one key in [start, start + duration), negative with ``negative_share``.

    A ``market`` spike is made of headlines without tickers.
    """

    key: str
    start: pd.Timestamp
    duration: str
    extra: int
    negative_share: float

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(self.duration)


@dataclass(frozen=True)
class TopicBurst:
    """``per_ticker`` extra headlines of ``topic`` for each of ``tickers`` in [start, start + duration)."""

    topic: int
    tickers: tuple[str, ...]
    start: pd.Timestamp
    duration: str
    per_ticker: int
    negative_share: float


def make_scored_headlines(n_rows: int, days: float, n_tickers: int = 30, start: str = "2024-01-01",
                          untagged_share: float = 0.3, zipf: float = 1.0, negative_share: float = 0.25,
                          rare_tickers: int = 0, spikes: tuple[InjectedSpike, ...] = (),
                          n_topics: int = 0, bursts: tuple[TopicBurst, ...] = (), seed: int = 0) -> pd.DataFrame:
    """Scored headlines in the monitor's input contract, background plus injected spikes.

    Args:
        n_rows: background headlines (spikes and rare-ticker headlines come on top).
        days: span of the background, from ``start``.
        n_tickers: tickers ``T000``...; volume follows a Zipf law with exponent ``zipf``.
        start: first instant (UTC).
        untagged_share: background headlines without tickers (market key only).
        zipf: exponent of the ticker volume law.
        negative_share: mean background negative share; each ticker gets its own in +-0.1 of it.
        rare_tickers: extra tickers ``RARE0``... with one headline a month, always negative.
        spikes: injected spikes.
        n_topics: > 0 adds ``topic_id``: uniform over ``0..n_topics-1``, a fifth outliers (-1).
        bursts: injected topic bursts (their headlines carry the burst's topic; needs ``n_topics``).
        seed: numpy seed.

    Returns:
        Frame with ``id``, ``tickers``, ``headline``, ``published_at``, ``p_negative``, ``p_neutral``,
        ``p_positive``, ``label``, ``score`` (and ``topic_id``), in random row order.
    """
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz="UTC").value
    span = int(days * 86_400e9)
    names = np.array([f"T{i:03d}" for i in range(n_tickers)], dtype=object)
    weights = 1.0 / np.arange(1, n_tickers + 1) ** zipf
    ticker_neg = np.clip(negative_share + rng.uniform(-0.1, 0.1, n_tickers), 0.02, 0.98)
    tagged = rng.random(n_rows) >= untagged_share
    first = rng.choice(n_tickers, size=n_rows, p=weights / weights.sum())
    second = rng.choice(n_tickers, size=n_rows, p=weights / weights.sum())
    two = rng.random(n_rows) < 0.1
    p_neg = np.where(tagged, ticker_neg[first], negative_share)
    parts = [{
        "ts": t0 + rng.integers(0, span, n_rows),
        "tickers": _ticker_lists(names, first, second, tagged, two),
        "negative": rng.random(n_rows) < p_neg,
    }]
    months = max(1, int(days // 30))
    for r in range(rare_tickers):
        day = (np.arange(months) * 30 + rng.uniform(0, 30, months)).astype(np.int64)
        parts.append({"ts": t0 + day * 86_400_000_000_000,
                      "tickers": [[f"RARE{r}"] for _ in range(months)], "negative": np.ones(months, dtype=bool)})
    for spike in spikes:
        begin = pd.Timestamp(spike.start).tz_convert("UTC").value
        tickers = [] if spike.key == MARKET_KEY else [spike.key.removeprefix(TICKER_PREFIX)]
        parts.append({"ts": begin + rng.integers(0, window_nanos(spike.duration), spike.extra),
                      "tickers": [list(tickers) for _ in range(spike.extra)],
                      "negative": rng.random(spike.extra) < spike.negative_share})
    for burst in bursts:
        begin, extra = pd.Timestamp(burst.start).tz_convert("UTC").value, burst.per_ticker * len(burst.tickers)
        parts.append({"ts": begin + rng.integers(0, window_nanos(burst.duration), extra),
                      "tickers": [[t] for t in burst.tickers for _ in range(burst.per_ticker)],
                      "negative": rng.random(extra) < burst.negative_share, "topic": np.full(extra, burst.topic)})
    for part in parts if n_topics else ():
        n = len(part["ts"])
        part.setdefault("topic", np.where(rng.random(n) < 0.2, -1, rng.integers(0, n_topics, n)))
    ts = np.concatenate([p["ts"] for p in parts])
    negative = np.concatenate([p["negative"] for p in parts])
    tickers = [t for p in parts for t in p["tickers"]]
    order = rng.permutation(len(ts))
    frame = _scored(rng, ts[order], [tickers[i] for i in order], negative[order])
    if n_topics:
        frame["topic_id"] = np.concatenate([p["topic"] for p in parts])[order].astype(np.int64)
    return frame


def score_detection(alerts: list[dict[str, Any]], spikes: tuple[InjectedSpike, ...],
                    windows_evaluated: int, window_size: str) -> dict[str, float]:
    """Recall of injected spikes and false alarms per 1,000 windows, for one window size.

    An alert detects a spike when it is on the spike's key and its window overlaps the spike. An
    alert is a false alarm when it overlaps no spike of its key (market alerts: of any key, since
    every ticker spike also moves the market).

    Args:
        alerts: records from ``detect_alerts``.
        spikes: what was injected.
        windows_evaluated: non-empty windows of this size that were evaluated (all keys).
        window_size: the size to score, e.g. ``"1h"``.

    Returns:
        ``injected``, ``detected``, ``recall``, ``alerts``, ``false_alarms``, ``windows`` and
        ``false_alarms_per_1000_windows``.
    """
    mine = [a for a in alerts if a["window_size"] == window_size]
    detected = sum(any(_overlaps(a, s) and a["key"] == s.key for a in mine) for s in spikes)
    false_alarms = sum(
        not any(_overlaps(a, s) and (a["key"] == s.key or a["key"] == MARKET_KEY) for s in spikes) for a in mine
    )
    return {
        "injected": len(spikes),
        "detected": int(detected),
        "recall": detected / len(spikes) if spikes else float("nan"),
        "alerts": len(mine),
        "false_alarms": int(false_alarms),
        "windows": int(windows_evaluated),
        "false_alarms_per_1000_windows": 1000.0 * false_alarms / max(windows_evaluated, 1),
    }


def _overlaps(alert: dict[str, Any], spike: InjectedSpike) -> bool:
    start, end = pd.Timestamp(alert["window_start"]), pd.Timestamp(alert["window_end"])
    return bool(start < spike.end and spike.start < end)


def _ticker_lists(names: np.ndarray, first: np.ndarray, second: np.ndarray, tagged: np.ndarray,
                  two: np.ndarray) -> list[list[str]]:
    pairs = zip(names[first].tolist(), names[second].tolist(), tagged.tolist(), two.tolist())
    return [([a, b] if w and a != b else [a]) if t else [] for a, b, t, w in pairs]


def _scored(rng: np.random.Generator, ts: np.ndarray, tickers: list[list[str]], negative: np.ndarray) -> pd.DataFrame:
    n = len(ts)
    positive = ~negative & (rng.random(n) < 0.5)
    top = rng.uniform(0.5, 0.99, n)
    rest = 1.0 - top
    split = rng.random(n)
    p_neg = np.where(negative, top, rest * split)
    p_pos = np.where(positive, top, np.where(negative, rest * split, rest * (1 - split)))
    p_neu = 1.0 - p_neg - p_pos
    label = np.where(negative, "negative", np.where(positive, "positive", "neutral")).astype(object)
    ids = [f"h{i}" for i in range(n)]
    return pd.DataFrame({
        "id": ids,
        "tickers": tickers,
        "headline": [f"synthetic headline {i}" for i in range(n)],
        "published_at": pd.to_datetime(ts, utc=True),
        "p_negative": p_neg,
        "p_neutral": p_neu,
        "p_positive": p_pos,
        "label": label,
        "score": p_pos - p_neg,
    })
