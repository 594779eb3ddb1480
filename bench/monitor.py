"""Benchmark the monitor's detector BEFORE (a checkout of an older commit) and AFTER (this tree), side by side.

Every dataset is generated once, by this tree, written to Parquet and run through each detector in a fresh
subprocess (``bench/monitor_alerts.py`` with that checkout first on ``PYTHONPATH``), so both see identical frames:

1. speed: stage timings on ``--rows`` synthetic scored rows, with and without topic ids, the two sides
   interleaved so a busy machine slows both alike (windows per second end to end and in evaluation); and the
   Spark job (``bench/monitor_spark.py``, each side's own job) on the same silver rows;
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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitor_cases import (SIZES, Case, burst_cases, replay_cases, score_bursts, score_replay, score_spikes,
                           score_trends, spike_cases, trend_cases)
from monitor_replay import replay_frame, train_model

from lam_models.monitor.synthetic import make_scored_headlines
from lam_models.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).with_name("monitor_alerts.py")
SPARK_RUNNER = Path(__file__).with_name("monitor_spark.py")
SUMMARY_NOTE = ("recall and false alarms per 1,000 windows over the alerts of every window size and all keys (a key alerts "
                "once per episode, whatever size saw it first); synthetic_spikes_<size>: mean over the spike cases injected "
                "at that size; *_trends_*: an alert on the trend's key overlapping it; replay_alerts_per_day_<all|size>: "
                "alerts on the plain replay over its span; topic_burst_*: of the seeds, and ticker alerts in the burst hour")


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
    scored = {"synthetic_trends": side["synthetic_trends"], "replay_spikes": side["replay"]["spikes"],
              "replay_trends": side["replay"]["trends"]}
    for size in SIZES:
        rows = [r for r in side["synthetic_spikes"] if r["window_size"] == size]
        scored[f"synthetic_spikes_{size}"] = {
            "recall": np.mean([r["recall"] for r in rows]),
            "false_alarms_per_1000_windows": np.mean([r["false_alarms_per_1000_windows"] for r in rows])}
    for name, figures in scored.items():
        metrics[f"{name}_recall"] = figures["recall"]
        metrics[f"{name}_false_alarms_per_1000_windows"] = figures["false_alarms_per_1000_windows"]
    for size, per_day in side["replay"]["alerts_per_day"].items():
        metrics[f"replay_alerts_per_day_{size}"] = per_day
    return {k: None if v is None else round(float(v), 6) for k, v in metrics.items()}


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
