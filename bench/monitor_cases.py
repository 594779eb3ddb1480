"""The monitor benchmark's quality cases: frames with what was injected into them (synthetic spikes, slow
trends, topic bursts; the Benzinga replay with spikes and trends on top), and how a side's alerts score on them.

Used by ``bench/monitor.py``; every frame is generated once, by this tree, so both detectors see the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from monitor_replay import busiest_tickers, key_span, with_spikes, with_trends

from lam_models.monitor.config import MARKET_KEY
from lam_models.monitor.synthetic import Injected, InjectedSpike, InjectedTrend, TopicBurst, make_scored_headlines, score_detection

SIZES = ("1h", "1d")
T0 = pd.Timestamp("2024-01-01", tz="UTC")
SPIKE_CASES = (("1h", 8, 0.8), ("1h", 12, 0.8), ("1h", 20, 0.8), ("1d", 80, 0.6), ("1d", 150, 0.6), ("1d", 300, 0.6))
SYNTHETIC_TRENDS = (("3D", 0.5), ("3D", 0.7), ("7D", 0.5), ("7D", 0.7))
REPLAY_TRENDS = (("7D", 0.5), ("7D", 0.7), ("30D", 0.5), ("30D", 0.7))
"""Replay trends last longer than synthetic ones: the busiest Benzinga ticker has about one headline every two days."""
REPLAY_SPIKE = (20, 0.8)
"""Extra headlines (three times as many for a market spike) and their negative share, in one hour."""

@dataclass(frozen=True)
class Case:
    """One frame every detector runs on, and what was injected into it (nothing: a plain frame)."""

    name: str
    frame: pd.DataFrame
    injected: tuple[Injected, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


def windows(frame_out: dict[str, Any]) -> int:
    """Windows the detector evaluated on a frame (all keys and sizes)."""
    return sum(frame_out["runs"][0]["windows_by_size"].values())


def detection(cases: list[Case], frames: dict[str, Any], by: Callable[[Injected], str] | None = None) -> dict:
    """``score_detection`` of every case (alerts of every window size), pooled over the cases (seeds); with ``by``,
    also the recall of each group of injected events."""
    results = [score_detection(frames[c.name]["alerts"], c.injected, windows(frames[c.name])) for c in cases]
    pooled = {
        "injected": sum(r["injected"] for r in results),
        "recall": float(np.mean([r["recall"] for r in results])),
        "alerts": sum(r["alerts"] for r in results),
        "false_alarms": sum(r["false_alarms"] for r in results),
        "windows": sum(r["windows"] for r in results),
        "false_alarms_per_1000_windows": float(np.mean([r["false_alarms_per_1000_windows"] for r in results])),
    }
    if by is not None:
        groups = sorted({by(i) for c in cases for i in c.injected})
        found = {g: [score_detection(frames[c.name]["alerts"], tuple(i for i in c.injected if by(i) == g), 0)
                     for c in cases] for g in groups}
        pooled["recall_by"] = {g: sum(r["detected"] for r in rs) / sum(r["injected"] for r in rs) for g, rs in found.items()}
    return pooled


def _trend_label(trend: Injected) -> str:
    return f"{trend.duration} to {trend.peak_share:g}"


def _spike_label(spike: Injected) -> str:
    return "market" if spike.key == MARKET_KEY else "ticker"


# --- synthetic quality -------------------------------------------------------------------------------------------

def synthetic_spikes(seed: int, size: str, extra: int, share: float, days: int = 60) -> tuple[InjectedSpike, ...]:
    """20 spikes of one size at distinct slots after a 5-day warm-up: 18 on T000..T009, 2 on the market (3x extra)."""
    rng = np.random.default_rng(seed)
    hours = 24 if size == "1d" else 1
    slots = rng.choice(np.arange(5 * 24 // hours, days * 24 // hours - 2), size=20, replace=False)
    keys = [MARKET_KEY if i % 10 == 9 else f"ticker:T{int(rng.integers(0, 10)):03d}" for i in range(20)]
    return tuple(
        InjectedSpike(k, T0 + pd.Timedelta(hours=int(s) * hours), size, extra * (3 if k == MARKET_KEY else 1), share)
        for k, s in zip(keys, slots)
    )


def plan_trends(rng: np.random.Generator, keys: list[str], spans: list[tuple[pd.Timestamp, pd.Timestamp]],
                shapes: tuple[tuple[str, float], ...]) -> tuple[InjectedTrend, ...]:
    """One trend per key, shapes (duration, peak share) in turn, starting at a random hour of the key's span
    so that it ends inside it."""
    trends = []
    for i, (key, (first, last)) in enumerate(zip(keys, spans)):
        duration, peak = shapes[i % len(shapes)]
        trends.append(InjectedTrend(key, random_hour(rng, first, last - pd.Timedelta(duration)), duration, peak))
    return tuple(trends)


def random_hour(rng: np.random.Generator, first: pd.Timestamp, last: pd.Timestamp) -> pd.Timestamp:
    """A uniformly drawn whole hour from ``first`` (floored) to before ``last`` (``first`` when they are closer)."""
    hours = max(int((last - first) / pd.Timedelta("1h")), 1)
    return first.floor("h") + pd.Timedelta(hours=int(rng.integers(0, hours)))


def spike_cases(seeds: int) -> list[Case]:
    """The spike grid on 60k background rows (30 tickers, 60 days, 3 rare tickers), one frame per case and seed."""
    cases = []
    for size, extra, share in SPIKE_CASES:
        for seed in range(seeds):
            spikes = synthetic_spikes(seed, size, extra, share)
            frame = make_scored_headlines(60_000, 60, n_tickers=30, rare_tickers=3, spikes=spikes, seed=seed)
            cases.append(Case(f"spikes_{size}_{extra}_s{seed}", frame, spikes, {"size": size, "extra": extra, "share": share}))
    return cases


def trend_cases(seeds: int) -> list[Case]:
    """One trend on each of T000..T009 per seed, over the same background as the spikes."""
    cases = []
    for seed in range(seeds):
        keys = [f"ticker:T{i:03d}" for i in range(10)]
        spans = [(T0 + pd.Timedelta(days=10), T0 + pd.Timedelta(days=60))] * len(keys)
        trends = plan_trends(np.random.default_rng(1000 + seed), keys, spans, SYNTHETIC_TRENDS)
        frame = make_scored_headlines(60_000, 60, n_tickers=30, rare_tickers=3, trends=trends, seed=seed)
        cases.append(Case(f"trends_s{seed}", frame, trends))
    return cases


def burst_cases(seeds: int, tickers: int = 10, per_ticker: int = 12) -> list[Case]:
    """A negative burst of one topic across ``tickers`` tickers in one hour, per seed, with and without topic ids."""
    cases = []
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        start = T0 + pd.Timedelta(hours=int(rng.integers(10 * 24, 55 * 24)))
        names = tuple(f"T{int(i):03d}" for i in rng.choice(30, tickers, replace=False))
        burst = TopicBurst(7, names, start, "1h", per_ticker, 0.9)
        frame = make_scored_headlines(60_000, 60, n_tickers=30, n_topics=10, bursts=(burst,), seed=seed)
        params = {"start": start, "topic": burst.topic, "tickers": tickers, "per_ticker": per_ticker}
        cases += [Case(f"burst_s{seed}", frame, params=params),
                  Case(f"burst_s{seed}_no_topics", frame.drop(columns=["topic_id"]), params=params)]
    return cases


def score_spikes(cases: list[Case], frames: dict[str, Any]) -> list[dict[str, Any]]:
    """Per spike case (size, extra headlines, negative share): detection pooled over seeds."""
    rows = []
    for size, extra, share in SPIKE_CASES:
        mine = [c for c in cases if (c.params["size"], c.params["extra"], c.params["share"]) == (size, extra, share)]
        rows.append({"window_size": size, "extra_headlines": extra, "spike_negative_share": share,
                     "market_spike_extra_headlines": 3 * extra, **detection(mine, frames)})
    return rows


def score_trends(cases: list[Case], frames: dict[str, Any]) -> dict[str, Any]:
    """Trends found (an alert of any size on the key overlapping the trend), pooled and per shape."""
    return detection(cases, frames, by=_trend_label)


def score_bursts(cases: list[Case], frames: dict[str, Any]) -> dict[str, Any]:
    """Is each burst one topic alert naming its topic, and how many ticker alerts overlap it with and without topic ids?"""
    found = storm = storm_without = other = 0
    for case in cases:
        topic, start = case.params["topic"], case.params["start"]
        during = [a for a in frames[case.name]["alerts"]
                  if a["window_size"] == "1h" and pd.Timestamp(a["window_start"]) == start]
        tickers = sum(a["kind"] == "ticker" for a in during)
        if case.name.endswith("_no_topics"):
            storm_without += tickers
            continue
        found += any(a["key"] == f"topic:{topic}" and a["topics"][0]["topic"] == topic for a in during)
        storm += tickers
        other += sum(a["kind"] != "ticker" and a["key"] != f"topic:{topic}" for a in during)
    first = cases[0].params
    return {"seeds": len(cases) // 2, "tickers": first["tickers"], "per_ticker_headlines": first["per_ticker"],
            "negative_share": 0.9, "topic_alert_found": found, "ticker_alerts_with_topics": storm,
            "other_alerts_with_topics": other, "ticker_alerts_without_topics": storm_without}


# --- Benzinga replay ---------------------------------------------------------------------------------------------

def replay_spikes(rng: np.random.Generator, replay: pd.DataFrame, keys: list[str]) -> tuple[InjectedSpike, ...]:
    """20 one-hour spikes at random hours of their key's span: 18 on the busiest tickers, 2 on the market."""
    extra, share = REPLAY_SPIKE
    spikes = []
    for i in range(20):
        key = MARKET_KEY if i % 10 == 9 else keys[int(rng.integers(0, len(keys)))]
        start = random_hour(rng, *key_span(replay, key))
        spikes.append(InjectedSpike(key, start, "1h", extra * (3 if key == MARKET_KEY else 1), share))
    return tuple(spikes)


def replay_cases(replay: pd.DataFrame, seeds: int) -> list[Case]:
    """The plain replay, and per seed the replay with spikes and the replay with one trend on each of the
    market and the nine busiest tickers."""
    tickers = busiest_tickers(replay, 9)
    cases = [Case("replay", replay, params={"kind": "plain"})]
    for seed in range(seeds):
        spikes = replay_spikes(np.random.default_rng(2000 + seed), replay, tickers)
        cases.append(Case(f"replay_spikes_s{seed}", with_spikes(replay, spikes, seed), spikes, {"kind": "spikes"}))
        keys = [MARKET_KEY, *tickers]
        trends = plan_trends(np.random.default_rng(3000 + seed), keys, [key_span(replay, k) for k in keys], REPLAY_TRENDS)
        cases.append(Case(f"replay_trends_s{seed}", with_trends(replay, trends, seed), trends, {"kind": "trends"}))
    return cases


def score_replay(cases: list[Case], frames: dict[str, Any]) -> dict[str, Any]:
    """Alerts per day on the plain replay, in all and per window size; detection of the spikes and trends injected into it."""
    plain = next(c for c in cases if c.params["kind"] == "plain")
    days = (plain.frame["published_at"].max() - plain.frame["published_at"].min()) / pd.Timedelta("1D")
    alerts = frames[plain.name]["alerts"]
    per_size = {s: sum(a["window_size"] == s for a in alerts) for s in SIZES}
    spikes = [c for c in cases if c.params["kind"] == "spikes"]
    trends = [c for c in cases if c.params["kind"] == "trends"]
    return {
        "days": round(days, 1), "alerts": {"all": len(alerts), **per_size},
        "alerts_per_day": {s: n / days for s, n in {"all": len(alerts), **per_size}.items()},
        "alerts_by_kind": {k: sum(a["kind"] == k for a in alerts) for k in sorted({a["kind"] for a in alerts})},
        "spikes": detection(spikes, frames, by=_spike_label),
        "trends": detection(trends, frames, by=_trend_label),
    }
