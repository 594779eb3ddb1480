"""Benchmark the monitor's detector BEFORE (a checkout of an older commit) and AFTER (this tree), side by side.

Every dataset is generated once, by this tree, written to Parquet and run through each detector in a fresh
subprocess (``bench/monitor_alerts.py`` with that checkout first on ``PYTHONPATH``), so both see identical frames:

1. speed: stage timings on ``--rows`` synthetic scored rows, with and without topic ids, the two sides
   interleaved so a busy machine slows both alike (windows per second end to end and in evaluation); and the
   Spark job's window aggregation (AFTER only: the job's API changed with the detector);
2. synthetic quality: injected negative spikes (recall, false alarms per 1,000 windows), slow negative trends
   (no extra volume; scored the same way at both window sizes) and topic bursts (one topic alert, no storm);
3. the Benzinga replay (real timestamps and tickers, labelled by a TF-IDF + logistic regression trained on the
   PhraseBank 50agree train split): alerts per day on the plain replay (alert fatigue), and spikes and trends
   injected on top of it.

Writes ``bench/results/monitor.json``: each side's figures and a ``summary`` (per metric: before, after).

    git worktree add /tmp/lam-before 4f54738
    LAM_DATA_DIR=../shared/data python bench/monitor.py --before /tmp/lam-before [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitor_replay import busiest_tickers, key_span, replay_frame, train_model, with_spikes, with_trends

from lam_models.monitor.config import MARKET_KEY
from lam_models.monitor.synthetic import Injected, InjectedSpike, InjectedTrend, TopicBurst, make_scored_headlines, score_detection
from lam_models.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).with_name("monitor_alerts.py")
SPARK_RUNNER = Path(__file__).with_name("monitor_spark.py")
SIZES = ("1h", "1d")
T0 = pd.Timestamp("2024-01-01", tz="UTC")
SPIKE_CASES = (("1h", 8, 0.8), ("1h", 12, 0.8), ("1h", 20, 0.8), ("1d", 80, 0.6), ("1d", 150, 0.6), ("1d", 300, 0.6))
SYNTHETIC_TRENDS = (("3D", 0.5), ("3D", 0.7), ("7D", 0.5), ("7D", 0.7))
REPLAY_TRENDS = (("7D", 0.5), ("7D", 0.7), ("30D", 0.5), ("30D", 0.7))
"""Replay trends last longer than synthetic ones: the busiest Benzinga ticker has about one headline every two days."""
REPLAY_SPIKE = (20, 0.8)
"""Extra headlines (three times as many for a market spike) and their negative share, in one hour."""
SUMMARY_NOTE = ("recall and false alarms per 1,000 windows (all keys) at one window size; synthetic_spikes_*: mean over "
                "the spike cases of that size; *_trends_*: an alert on the trend's key overlapping it; replay_alerts_per_day: "
                "alerts on the plain replay over its span; topic_burst_*: of the seeds, and ticker alerts in the burst hour")


@dataclass(frozen=True)
class Case:
    """One frame every detector runs on, and what was injected into it (nothing: a plain frame)."""

    name: str
    frame: pd.DataFrame
    injected: tuple[Injected, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


def run_side(root: Path, paths: list[Path], out: Path, *extra: str) -> dict[str, Any]:
    """The detector of checkout ``root`` on the given frames, in a fresh process: its alerts and timings per frame.

    Raises:
        RuntimeError: the process imported ``lam_models`` from elsewhere (a stale install shadowing the checkout).
    """
    frames = [arg for path in paths for arg in ("--frame", str(path))]
    subprocess.run([sys.executable, str(RUNNER), *frames, "--out", str(out), *extra],
                   env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    result = json.loads(out.read_text())
    if Path(result["lam_models"]) != root / "lam_models":
        raise RuntimeError(f"{root}: the runner imported lam_models from {result['lam_models']}")
    return result


def checkout(root: Path) -> str | None:
    """The commit of ``root`` (``+dirty`` with uncommitted changes), so a result names the code it measured."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def write_cases(cases: list[Case], folder: Path) -> list[Path]:
    """Each case's frame as ``<name>.parquet``: what every side reads."""
    paths = []
    for case in cases:
        paths.append(folder / f"{case.name}.parquet")
        case.frame.to_parquet(paths[-1], index=False)
    return paths


def windows(frame_out: dict[str, Any], size: str) -> int:
    """Windows of one size the detector evaluated on a frame (all keys)."""
    return frame_out["runs"][0]["windows_by_size"].get(size, 0)


def detection(cases: list[Case], frames: dict[str, Any], size: str, by: Callable[[Injected], str] | None = None) -> dict:
    """``score_detection`` of every case at one window size, pooled over the cases (seeds); with ``by``, also the
    recall of each group of injected events."""
    results = [score_detection(frames[c.name]["alerts"], c.injected, windows(frames[c.name], size), size) for c in cases]
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
        found = {g: [score_detection(frames[c.name]["alerts"], tuple(i for i in c.injected if by(i) == g), 0, size)
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
                     "market_spike_extra_headlines": 3 * extra, **detection(mine, frames, size)})
    return rows


def score_trends(cases: list[Case], frames: dict[str, Any]) -> dict[str, Any]:
    """Per window size: trends found (an alert on the key overlapping the trend), pooled and per shape."""
    return {size: detection(cases, frames, size, by=_trend_label) for size in SIZES}


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
    """Alerts per day on the plain replay, per window size; detection of the spikes and trends injected into it."""
    plain = next(c for c in cases if c.params["kind"] == "plain")
    days = (plain.frame["published_at"].max() - plain.frame["published_at"].min()) / pd.Timedelta("1D")
    alerts = frames[plain.name]["alerts"]
    per_size = {s: sum(a["window_size"] == s for a in alerts) for s in SIZES}
    spikes = [c for c in cases if c.params["kind"] == "spikes"]
    trends = [c for c in cases if c.params["kind"] == "trends"]
    return {
        "days": round(days, 1), "alerts": per_size,
        "alerts_per_day": {s: n / days for s, n in per_size.items()},
        "alerts_by_kind": {k: sum(a["kind"] == k for a in alerts) for k in sorted({a["kind"] for a in alerts})},
        "spikes": {s: detection(spikes, frames, s, by=_spike_label) for s in SIZES},
        "trends": {s: detection(trends, frames, s, by=_trend_label) for s in SIZES},
    }


# --- speed -------------------------------------------------------------------------------------------------------

def speed(sides: dict[str, Path], frame: pd.DataFrame, repeat: int, folder: Path) -> dict[str, dict[str, Any]]:
    """Per side: the best of ``repeat`` passes over ``frame`` (and over it without topic ids, when it has them),
    the sides taking turns, first one then the other, so load on the machine falls on both alike."""
    variants = [Case("speed", frame)]
    if "topic_id" in frame.columns:
        variants.append(Case("speed_no_topics", frame.drop(columns=["topic_id"])))
    paths = write_cases(variants, folder)
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    for turn in range(repeat):
        for side, root in list(sides.items())[::1 if turn % 2 == 0 else -1]:
            runs[side].append(run_side(root, paths, folder / f"speed_{side}.json", "--no-alerts")["frames"])
    return {side: speed_figures(found) for side, found in runs.items()}


def speed_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Windows per second end to end and in evaluation (detector + state machine + evidence) of the best pass."""
    best = min((r["speed"]["runs"][0] for r in runs), key=lambda r: r["total_s"])
    plain = min((r["speed_no_topics"]["runs"][0] for r in runs if "speed_no_topics" in r), key=lambda r: r["total_s"], default=None)
    return {
        "best": _rounded(best),
        "windows_per_s_end_to_end": round(best["windows"] / best["total_s"]),
        "windows_per_s_evaluation": round(best["windows"] / (best["evaluate_s"] + best["alerts_s"])),
        "rows_per_s_end_to_end": round(runs[0]["speed"]["rows"] / best["total_s"]),
        "total_s_all_runs": [round(r["speed"]["runs"][0]["total_s"], 3) for r in runs],
        "best_without_topics": plain and _rounded(plain),
        "topic_windows_time_factor": plain and round(best["total_s"] / plain["total_s"], 2),
    }


def time_spark(sides: dict[str, Path], frame: pd.DataFrame, folder: Path) -> dict[str, dict[str, Any]]:
    """Per side, the monitor job's Spark side on the same silver rows, each in a fresh process (``monitor_spark.py``)."""
    silver = folder / "silver"
    frame.assign(published_at=frame["published_at"].astype("datetime64[us, UTC]")).drop(
        columns=["p_negative", "p_neutral", "p_positive"]).to_parquet(silver, index=False)
    result = {}
    for side, root in sides.items():
        out = folder / f"spark-{side}.json"
        subprocess.run([sys.executable, str(SPARK_RUNNER), "--silver", str(silver), "--out", str(out)],
                       env={**os.environ, "PYTHONPATH": str(root)}, check=True, cwd=root)
        result[side] = json.loads(out.read_text())
    return result


# --- result ------------------------------------------------------------------------------------------------------

SCORERS: dict[str, Callable[[list[Case], dict[str, Any]], Any]] = {
    "synthetic_spikes": score_spikes, "synthetic_trends": score_trends, "topic_bursts": score_bursts,
    "replay": score_replay,
}


def quality(sides: dict[str, Path], sections: dict[str, list[Case]], folder: Path) -> dict[str, dict[str, Any]]:
    """Per side: which detector ran (path, config) and every section's scores, all frames in one process per side."""
    paths = write_cases([c for cases in sections.values() for c in cases], folder)
    result = {}
    for side, root in sides.items():
        found = run_side(root, paths, folder / f"quality_{side}.json")
        result[side] = {"lam_models": found["lam_models"], "commit": checkout(root), "config": found["config"],
                        **{name: SCORERS[name](cases, found["frames"]) for name, cases in sections.items()}}
    return result


def headline_metrics(side: dict[str, Any]) -> dict[str, float]:
    """The figures worth comparing at a glance, from one side's result."""
    metrics = {
        "windows_per_s_end_to_end": side["speed"]["windows_per_s_end_to_end"],
        "windows_per_s_evaluation": side["speed"]["windows_per_s_evaluation"],
        "spark_job_windows_per_s": side["speed"].get("spark_job_windows_per_s"),
        "topic_burst_found": side["topic_bursts"]["topic_alert_found"],
        "topic_burst_ticker_alerts": side["topic_bursts"]["ticker_alerts_with_topics"],
    }
    for size in SIZES:
        rows = [r for r in side["synthetic_spikes"] if r["window_size"] == size]
        scored = {"synthetic_spikes": {"recall": np.mean([r["recall"] for r in rows]),
                                       "false_alarms_per_1000_windows": np.mean([r["false_alarms_per_1000_windows"] for r in rows])},
                  "synthetic_trends": side["synthetic_trends"][size],
                  "replay_spikes": side["replay"]["spikes"][size], "replay_trends": side["replay"]["trends"][size]}
        for name, figures in scored.items():
            metrics[f"{name}_recall_{size}"] = figures["recall"]
            metrics[f"{name}_false_alarms_per_1000_windows_{size}"] = figures["false_alarms_per_1000_windows"]
        metrics[f"replay_alerts_per_day_{size}"] = side["replay"]["alerts_per_day"][size]
    return {k: round(float(v), 6) for k, v in metrics.items()}


def summary(result: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Per headline metric: before (None when not measured) and after."""
    after = headline_metrics(result["after"])
    before = headline_metrics(result["before"]) if "before" in result else {}
    return {name: {"before": before.get(name), "after": value} for name, value in after.items()}


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="checkout of the older detector (e.g. a git worktree); none: AFTER only")
    parser.add_argument("--rows", type=int, default=1_000_000, help="scored rows timed for speed")
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--topics", type=int, default=20, help="topic ids in the timed rows (0: none)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quality-seeds", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Settings().data_dir, help="holds benzinga and PhraseBank")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "monitor.json")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark job measurement")
    args = parser.parse_args()
    sides = {**({"before": args.before.resolve()} if args.before else {}), "after": REPO}
    started = time.perf_counter()
    frame = make_scored_headlines(args.rows, args.days, n_tickers=args.tickers, rare_tickers=5, n_topics=args.topics, seed=0)
    generate_s = time.perf_counter() - started
    model, model_info = train_model(Settings(data_dir=args.data_dir))
    replay = replay_frame(args.data_dir, model)
    sections = {"synthetic_spikes": spike_cases(args.quality_seeds), "synthetic_trends": trend_cases(args.quality_seeds),
                "topic_bursts": burst_cases(args.quality_seeds), "replay": replay_cases(replay, args.quality_seeds)}
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        result: dict[str, Any] = quality(sides, sections, Path(tmp))
        for side, figures in speed(sides, frame, args.repeat, Path(tmp)).items():
            result[side] = {"speed": figures, **result[side]}
        spark_job = None if args.no_spark else time_spark(sides, frame, Path(tmp))
        for side, figures in (spark_job or {}).items():
            result[side]["speed"]["spark_job_windows_per_s"] = figures["windows_per_s"]
    result = {
        "benchmark": "monitor detector before vs after on identical frames (pure logic, and the Spark job)",
        "summary": summary(result),
        "summary_note": SUMMARY_NOTE,
        "speed_rows": len(frame), "days": args.days, "tickers": args.tickers, "topics": args.topics,
        "generate_s": round(generate_s, 3), "repeat": args.repeat, "quality_seeds": args.quality_seeds,
        "replay": {"headlines": len(replay), "tickers": int(replay["tickers"].explode().nunique()),
                   "label_shares": replay["label"].value_counts(normalize=True).round(4).to_dict(), **model_info},
        "spark_job": spark_job,
        **result,
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                    "cpus": os.cpu_count(), "platform": platform.platform(), "load_average_1m": os.getloadavg()[0]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"summary": result["summary"], "replay": result["replay"], "spark_job": result["spark_job"]},
                     indent=2))


if __name__ == "__main__":
    main()
