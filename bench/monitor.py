"""Benchmark the monitor's pure detection logic: windows evaluated per second on 1M scored rows.

Also measures detection quality on synthetic injected spikes (recall, false alarms per 1,000 windows),
the cost of topic windows, and topic bursts (one topic alert, no per-ticker storm).
No Spark, no Kafka (unless the Spark job is measured too). Writes ``bench/results/monitor.json``.

    python bench/monitor.py [--rows 1000000] [--repeat 3] [--out bench/results/monitor.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from lam_models.monitor.alerts import alerts_from_windows, detect_alerts, evaluate_windows
from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.evidence import top_headlines
from lam_models.monitor.synthetic import InjectedSpike, TopicBurst, make_scored_headlines, score_detection
from lam_models.monitor.windows import explode_keys, monitor_key_columns, window_stats

QUALITY_CASES = (("1h", 8, 0.8), ("1h", 12, 0.8), ("1h", 20, 0.8), ("1d", 80, 0.6), ("1d", 150, 0.6), ("1d", 300, 0.6))


def time_stages(frame: pd.DataFrame, config: MonitorConfig) -> dict[str, float | int]:
    """Seconds per stage of one full pass, and the number of windows evaluated."""
    t = [time.perf_counter()]
    keyed = explode_keys(frame, monitor_key_columns(frame), config.multi_ticker_weight)
    t.append(time.perf_counter())
    windows = pd.concat([window_stats(keyed, s) for s in config.window_sizes], ignore_index=True)
    t.append(time.perf_counter())
    evaluated = evaluate_windows(windows, config)
    t.append(time.perf_counter())
    fired = evaluated[evaluated["alerting"]]
    targets = list(zip(fired["key"], fired["window_size"], fired["window_index"].astype(int)))
    alerts = alerts_from_windows(evaluated, config, pd.Timestamp(int(keyed["ts"].max()), tz="UTC"),
                                 top_headlines(frame, keyed, targets, config.top_k))
    t.append(time.perf_counter())
    return {
        "explode_s": t[1] - t[0], "windows_s": t[2] - t[1], "baseline_and_spikes_s": t[3] - t[2],
        "state_and_evidence_s": t[4] - t[3], "total_s": t[4] - t[0], "windows": len(windows),
        "keys": int(keyed["key"].nunique()), "spike_windows": int(evaluated["spike"].sum()),
        "alerting_windows": len(fired), "alerts": len(alerts),
    }


def quality(seeds: int = 3) -> list[dict[str, object]]:
    """Recall and false alarms on 60k background rows (30 tickers, 60 days) per spike size."""
    config = MonitorConfig()
    rows = []
    for size, extra, share in QUALITY_CASES:
        results = []
        for seed in range(seeds):
            spikes = _spikes(seed, size, extra, share)
            frame = make_scored_headlines(60_000, 60, n_tickers=30, rare_tickers=3, spikes=spikes, seed=seed)
            alerts = detect_alerts(frame, config)
            windows = len(window_stats(explode_keys(frame), size))
            results.append(score_detection(alerts, spikes, windows, size))
        rows.append({
            "window_size": size, "extra_headlines": extra, "spike_negative_share": share,
            "market_spike_extra_headlines": 3 * extra, "injected": sum(r["injected"] for r in results),
            "recall": float(np.mean([r["recall"] for r in results])),
            "false_alarms": sum(r["false_alarms"] for r in results),
            "windows": sum(r["windows"] for r in results),
            "false_alarms_per_1000_windows": float(np.mean([r["false_alarms_per_1000_windows"] for r in results])),
        })
    return rows


def topic_bursts(seeds: int = 3, tickers: int = 10, per_ticker: int = 12) -> dict[str, object]:
    """A negative burst of one topic across ``tickers`` tickers in one hour, per seed: is it one topic
    alert naming the topic, and how many ticker alerts overlap it with and without topic ids?"""
    config, found, storm, storm_without, other = MonitorConfig(), 0, 0, 0, 0
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        start = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(10 * 24, 55 * 24)))
        names = tuple(f"T{int(i):03d}" for i in rng.choice(30, tickers, replace=False))
        burst = TopicBurst(7, names, start, "1h", per_ticker, 0.9)
        frame = make_scored_headlines(60_000, 60, n_tickers=30, n_topics=10, bursts=(burst,), seed=seed)

        def during(alerts: list[dict]) -> list[dict]:
            return [a for a in alerts if a["window_size"] == "1h" and pd.Timestamp(a["window_start"]) == start]

        with_topics = during(detect_alerts(frame, config))
        found += any(a["key"] == "topic:7" and a["topics"][0]["topic"] == 7 for a in with_topics)
        storm += sum(a["kind"] == "ticker" for a in with_topics)
        other += sum(a["kind"] != "ticker" and a["key"] != "topic:7" for a in with_topics)
        storm_without += sum(a["kind"] == "ticker" for a in during(detect_alerts(frame.drop(columns=["topic_id"]), config)))
    return {"seeds": seeds, "tickers": tickers, "per_ticker_headlines": per_ticker, "negative_share": 0.9,
            "topic_alert_found": found, "ticker_alerts_with_topics": storm, "other_alerts_with_topics": other,
            "ticker_alerts_without_topics": storm_without}


def _spikes(seed: int, size: str, extra: int, share: float, days: int = 60) -> tuple[InjectedSpike, ...]:
    rng = np.random.default_rng(seed)
    hours = 24 if size == "1d" else 1
    slots = rng.choice(np.arange(5 * 24 // hours, days * 24 // hours - 2), size=20, replace=False)
    keys = ["market" if i % 10 == 9 else f"ticker:T{int(rng.integers(0, 10)):03d}" for i in range(20)]
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    return tuple(
        InjectedSpike(k, t0 + pd.Timedelta(hours=int(s) * hours), size, extra * (3 if k == "market" else 1), share)
        for k, s in zip(keys, slots)
    )


def time_spark(frame: pd.DataFrame, config: MonitorConfig) -> dict[str, float | int]:
    """The monitor job's Spark side on the same rows: silver Parquet -> keyed rows -> windows -> detector."""
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jobs import monitor
    from lam_models.adapters.spark import get_spark
    from lam_models.monitor import evaluate_windows
    from lam_models.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        silver = Path(tmp) / "silver"
        frame.assign(published_at=frame["published_at"].astype("datetime64[us, UTC]")).drop(
            columns=["p_negative", "p_neutral", "p_positive"]).to_parquet(silver, index=False)
        spark = get_spark(Settings(lake_root=Path(tmp)), "bench-monitor")
        started = time.perf_counter()
        keyed = monitor._keyed(spark.read.parquet(str(silver)), config.multi_ticker_weight)
        windows, rows, _ = monitor._windows(keyed, config.window_sizes)
        aggregated = time.perf_counter()
        evaluated = evaluate_windows(windows, config)
        done = time.perf_counter()
    return {"rows": rows, "windows": len(evaluated), "spark_windows_s": round(aggregated - started, 3),
            "detector_s": round(done - aggregated, 3), "windows_per_s": round(len(evaluated) / (done - started))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--topics", type=int, default=20, help="topic ids in the timed rows (0: none)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quality-seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "monitor.json")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark job measurement")
    args = parser.parse_args()
    config = MonitorConfig()
    started = time.perf_counter()
    frame = make_scored_headlines(args.rows, args.days, n_tickers=args.tickers, rare_tickers=5, n_topics=args.topics, seed=0)
    generate_s = time.perf_counter() - started
    without = frame.drop(columns=["topic_id"]) if args.topics else None
    runs, plain_runs = [], []
    for _ in range(args.repeat):  # interleaved, so a busy machine slows both alike
        runs.append(time_stages(frame, config))
        plain_runs += [time_stages(without, config)] if args.topics else []
    best = min(runs, key=lambda r: r["total_s"])
    plain = min(plain_runs, key=lambda r: r["total_s"], default=None)
    result = {
        "benchmark": "monitor pure detection logic (no Spark, no Kafka)",
        "rows": len(frame), "days": args.days, "tickers": args.tickers, "topics": args.topics,
        "window_sizes": list(config.window_sizes),
        "generate_s": round(generate_s, 3), "repeat": args.repeat,
        "best": {k: round(v, 4) if isinstance(v, float) else v for k, v in best.items()},
        "windows_per_s_end_to_end": round(best["windows"] / best["total_s"]),
        "windows_per_s_evaluation": round(
            best["windows"] / (best["baseline_and_spikes_s"] + best["state_and_evidence_s"])),
        "rows_per_s_end_to_end": round(len(frame) / best["total_s"]),
        "total_s_all_runs": [round(r["total_s"], 3) for r in runs],
        "best_without_topics": plain and {k: round(v, 4) if isinstance(v, float) else v for k, v in plain.items()},
        "topic_windows_time_factor": plain and round(best["total_s"] / plain["total_s"], 2),
        "spark_job": None if args.no_spark else time_spark(frame, config),
        "quality": quality(args.quality_seeds),
        "topic_bursts": topic_bursts(args.quality_seeds),
        "config": config.to_dict(),
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                    "cpus": os.cpu_count(), "platform": platform.platform(), "load_average_1m": os.getloadavg()[0]},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    headline = ("rows", "best", "best_without_topics", "topic_windows_time_factor", "windows_per_s_end_to_end",
                "windows_per_s_evaluation", "spark_job", "topic_bursts")
    print(json.dumps({k: result[k] for k in headline}, indent=2))
    for row in result["quality"]:
        print(row)


if __name__ == "__main__":
    main()
