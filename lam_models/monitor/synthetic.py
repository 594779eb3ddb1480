"""Seeded synthetic scored headlines with injected negative spikes and trends, and recall / false-alarm scoring.

Used by the monitor's behaviour tests and by ``bench/monitor.py``; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MARKET_KEY, TICKER_PREFIX, window_nanos


@dataclass(frozen=True)
class Injected:
    """Something injected on one key in [start, start + duration): what ``score_detection`` looks for."""

    key: str
    start: pd.Timestamp
    duration: str

    @property
    def end(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(self.duration)


@dataclass(frozen=True)
class InjectedSpike(Injected):
    """Extra headlines for one key in [start, start + duration), negative with ``negative_share``.

    A ``market`` spike is made of headlines without tickers.
    """

    extra: int
    negative_share: float


@dataclass(frozen=True)
class InjectedTrend(Injected):
    """A slow turn negative of one key's own headlines in [start, start + duration), with no extra volume.

    Its negative share ramps linearly from the key's background level to ``peak_share`` at the end: a
    trend, not a burst (see ``trend_flips``).
    """

    peak_share: float


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
                          n_topics: int = 0, bursts: tuple[TopicBurst, ...] = (),
                          trends: tuple[InjectedTrend, ...] = (), seed: int = 0) -> pd.DataFrame:
    """Scored headlines in the monitor's input contract, background plus injected spikes and trends.

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
        trends: injected trends; they turn background headlines negative from a generator of their own,
            so a frame with trends is the frame without them but for the turned headlines.
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
    background = {MARKET_KEY: negative_share, **{f"{TICKER_PREFIX}{n}": b for n, b in zip(names, ticker_neg.tolist())}}
    _apply_trends(parts[0], trends, background, np.random.default_rng([seed, 1]))
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


def trend_flips(rng: np.random.Generator, ts: np.ndarray, tickers: list[list[str]], negative: np.ndarray,
                trend: InjectedTrend, background: float) -> np.ndarray:
    """Which headlines ``trend`` turns negative: its key's non-negative headlines inside it, each with a
    probability rising linearly from 0, so the key's negative share ramps from ``background`` to
    ``trend.peak_share`` at the end (a headline at fraction f of the way turns with probability
    f * (peak - background) / (1 - background)).

    Args:
        rng: draws one number per headline.
        ts: int64 UTC nanoseconds per headline.
        tickers: ticker list per headline (a ``market`` trend takes every headline).
        negative: whether each headline is negative already.
        trend: the trend.
        background: the key's negative share without the trend.

    Returns:
        Bool mask of the headlines to turn negative.
    """
    begin = pd.Timestamp(trend.start).tz_convert("UTC").value
    fraction = (np.asarray(ts, dtype=np.int64) - begin) / window_nanos(trend.duration)
    rise = np.clip(fraction, 0.0, 1.0) * max(trend.peak_share - background, 0.0) / max(1.0 - background, 1e-9)
    inside = on_key(tickers, trend.key) & ~np.asarray(negative, dtype=bool) & (fraction >= 0) & (fraction < 1)
    return inside & (rng.random(len(tickers)) < rise)


def on_key(tickers: list[list[str]], key: str) -> np.ndarray:
    """Bool mask of the headlines that count toward ``key``: all for the market, else those naming its ticker."""
    ticker = key.removeprefix(TICKER_PREFIX)
    return np.fromiter((key == MARKET_KEY or ticker in t for t in tickers), dtype=bool, count=len(tickers))


def score_detection(alerts: list[dict[str, Any]], spikes: tuple[Injected, ...],
                    windows_evaluated: int) -> dict[str, float]:
    """Recall of injected spikes (or trends) and false alarms per 1,000 windows, over the alerts of every window size:
    a key alerts once per episode whatever size saw it first, so what counts is whether the analyst was alerted.

    An alert detects a spike when it is on the spike's key and its window overlaps the spike. An
    alert is a false alarm when it overlaps no spike of its key (market alerts: of any key, since
    every ticker spike also moves the market).

    Args:
        alerts: records from ``detect_alerts``.
        spikes: what was injected (``InjectedSpike`` or ``InjectedTrend``).
        windows_evaluated: non-empty windows that were evaluated (all keys and sizes).

    Returns:
        ``injected``, ``detected``, ``recall``, ``alerts``, ``false_alarms``, ``windows`` and
        ``false_alarms_per_1000_windows``.
    """
    detected = sum(any(_overlaps(a, s) and a["key"] == s.key for a in alerts) for s in spikes)
    false_alarms = sum(
        not any(_overlaps(a, s) and (a["key"] == s.key or a["key"] == MARKET_KEY) for s in spikes) for a in alerts
    )
    return {
        "injected": len(spikes),
        "detected": int(detected),
        "recall": detected / len(spikes) if spikes else float("nan"),
        "alerts": len(alerts),
        "false_alarms": int(false_alarms),
        "windows": int(windows_evaluated),
        "false_alarms_per_1000_windows": 1000.0 * false_alarms / max(windows_evaluated, 1),
    }


def _overlaps(alert: dict[str, Any], spike: Injected) -> bool:
    start, end = pd.Timestamp(alert["window_start"]), pd.Timestamp(alert["window_end"])
    return bool(start < spike.end and spike.start < end)


def _apply_trends(part: dict[str, Any], trends: tuple[InjectedTrend, ...], background: dict[str, float],
                  rng: np.random.Generator) -> None:
    """Turn the background headlines each trend picks negative, in place. The generator is the trends' own,
    so the headlines, times and scores of everything else are those of the same seed without trends."""
    for trend in trends:
        part["negative"] = part["negative"] | trend_flips(rng, part["ts"], part["tickers"], part["negative"], trend,
                                                          background[trend.key])


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
