"""Alerts and stage timings of scored-headline frames (Parquet) under whichever ``lam_models`` is first on the path.

``bench/monitor.py`` runs this once per detector version (``PYTHONPATH=<checkout>``), so the old and the new
detector see byte-identical frames and are timed in the same kind of fresh process. It uses only what both
versions share: ``explode_keys``, ``window_stats``, ``evaluate_windows``, ``alerts_from_windows`` and
``top_headlines`` (the steps of ``detect_alerts``, timed one by one).

    PYTHONPATH=/tmp/lam-before python bench/monitor_alerts.py --frame a.parquet [--frame b.parquet ...] --out a.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

import lam_models
from lam_models.monitor.alerts import alerts_from_windows, evaluate_windows
from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.evidence import top_headlines
from lam_models.monitor.windows import explode_keys, monitor_key_columns, window_stats


def detect(frame: pd.DataFrame, config: MonitorConfig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``detect_alerts`` step by step: its alerts, and seconds per stage with the windows evaluated per size."""
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
    timings = {
        "explode_s": t[1] - t[0], "windows_s": t[2] - t[1], "evaluate_s": t[3] - t[2], "alerts_s": t[4] - t[3],
        "total_s": t[4] - t[0], "windows": len(windows), "keys": int(keyed["key"].nunique()),
        "spike_windows": int(evaluated["spike"].sum()), "alerting_windows": len(fired), "alerts": len(alerts),
        "windows_by_size": {str(s): int(n) for s, n in evaluated["window_size"].value_counts().items()},
    }
    return alerts, timings


def run_frame(path: Path, config: MonitorConfig, repeat: int, keep_alerts: bool) -> dict[str, Any]:
    """``repeat`` timed passes over one frame; the alerts of the first (evidence dropped: only where and how
    strong an alert is matters to the scoring, and the headline texts would bloat the JSON)."""
    frame = pd.read_parquet(path)
    runs, alerts = [], []
    for i in range(repeat):
        found, timings = detect(frame, config)
        runs.append(timings)
        if i == 0 and keep_alerts:
            alerts = [{k: v for k, v in a.items() if k != "evidence"} for a in found]
    return {"rows": len(frame), "runs": runs, "alerts": alerts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame", type=Path, action="append", required=True, help="scored headlines (Parquet); repeatable")
    parser.add_argument("--out", type=Path, required=True, help="JSON: per frame (file stem) its alerts and timings")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per frame")
    parser.add_argument("--no-alerts", action="store_true", help="timings only (large frames)")
    args = parser.parse_args()
    config = MonitorConfig()
    result = {
        "lam_models": str(Path(lam_models.__file__).parent),
        "config": config.model_dump(mode="json") if hasattr(config, "model_dump") else config.to_dict(),  # older sides: a dataclass
        "frames": {path.stem: run_frame(path, config, args.repeat, not args.no_alerts) for path in args.frame},
    }
    args.out.write_text(json.dumps(result) + "\n")
    print(json.dumps({name: {"alerts": f["runs"][0]["alerts"], "total_s": [round(r["total_s"], 3) for r in f["runs"]]}
                      for name, f in result["frames"].items()}))


if __name__ == "__main__":
    main()
