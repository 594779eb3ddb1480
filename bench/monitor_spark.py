"""The monitor job's Spark side, timed under whichever checkout is first on the path: silver Parquet -> windows
-> detector. ``bench/monitor.py`` runs it once per side so the Spark job is compared in the same run too.

Before the one-engine change the job aggregated windows with Spark-side copies of the core's functions
(``_keyed`` then ``_windows(keyed, sizes)``); after, the core's ``compute_windows`` runs in ``applyInPandas``
(``_windows(silver, config)``). This script bridges the two signatures and nothing else.

    PYTHONPATH=<checkout> python bench/monitor_spark.py --silver SILVER_DIR --out spark.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import lam_models
from jobs import monitor
from lam_models.adapters.spark import get_spark
from lam_models.monitor import evaluate_windows
from lam_models.monitor.config import MonitorConfig
from lam_models.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silver", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    config = MonitorConfig()
    with tempfile.TemporaryDirectory() as tmp:
        silver = get_spark(Settings(lake_root=Path(tmp)), "bench-monitor").read.parquet(str(args.silver))
        started = time.perf_counter()
        if hasattr(monitor, "_keyed"):
            windows, rows, _ = monitor._windows(monitor._keyed(silver, config.multi_ticker_weight), config.window_sizes)
        else:
            windows, rows, _ = monitor._windows(silver, config)
        aggregated = time.perf_counter()
        evaluated = evaluate_windows(windows, config)
        done = time.perf_counter()
    result = {"lam_models": str(Path(lam_models.__file__).parent), "rows": rows, "windows": len(evaluated),
              "spark_windows_s": round(aggregated - started, 3), "detector_s": round(done - aggregated, 3),
              "windows_per_s": round(len(evaluated) / (done - started))}
    args.out.write_text(json.dumps(result) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
