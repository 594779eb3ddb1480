"""The Delta lake against the hand-written Parquet lake it replaced, in one run: each checkout's own
``bench/ingest.py`` (cold and warm ingest of the same messages) and ``bench/nightly.py`` (the historic replay
through every nightly step), the sides taking turns, plus the score step's model on the same headlines without
Spark or the lake (the direct path the score step is held to). Writes ``bench/results/lake.json``.

    python bench/lake.py --before /path/to/older/checkout [--messages 200000] [--headlines 10000]
    python bench/lake.py --before ... --only ingest --repeats 3 --out bench/results/lake_ingest.json

``--repeats``: the ingest sides alternate that many times (each run a fresh JVM) and the figures are the medians,
every run listed, since one pair moves by 10 % between runs on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_bench(root: Path, script: str, out: Path, *extra: str) -> dict:
    """``root``'s own ``bench/<script>`` in a fresh process importing ``root``'s code; its JSON result."""
    subprocess.run([sys.executable, str(root / "bench" / script), "--out", str(out), *extra], cwd=root,
                   env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    return json.loads(out.read_text())


def ingest_figures(reports: list[dict]) -> dict:
    """msgs/s per validation mode and run (cold, warm): the median over ``reports``, and every run's figure."""
    modes = reports[0]["spark_modes"]
    runs = {mode: {run: [r["spark_modes"][mode][run]["msgs_per_s"] for r in reports] for run in ("cold", "warm")} for mode in modes}
    return {mode: {**{run: statistics.median(v) for run, v in figures.items()}, **({"runs": figures} if len(reports) > 1 else {})}
            for mode, figures in runs.items()}


def replay_figures(report: dict) -> dict:
    return {"score_texts_per_s": report["score_texts_per_s"], "stages_s": report["stages_s"],
            "direct_texts_per_s": report["stages"].get("direct_scoring", {}).get("texts_per_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the Parquet lake (e.g. a git worktree)")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--headlines", type=int, default=10_000)
    parser.add_argument("--only", choices=["ingest", "replay"], help="run one half (default both)")
    parser.add_argument("--repeats", type=int, default=1, help="ingest runs per side, alternating")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "lake.json")
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": REPO}
    result: dict = {"benchmark": "Delta lake (after) vs the hand-written Parquet lake (before), same run",
                    "messages": args.messages, "headlines": args.headlines, "ingest": {}, "replay": {}}
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as tmp:
        if args.only != "replay":
            reports: dict[str, list[dict]] = {side: [] for side in sides}
            for repeat in range(args.repeats):
                for side, root in sides.items():
                    out = Path(tmp) / f"ingest_{side}_{repeat}.json"
                    reports[side].append(run_bench(root, "ingest.py", out, "--messages", str(args.messages)))
            result["ingest"] = {side: ingest_figures(runs) for side, runs in reports.items()}
        if args.only != "ingest":
            for side, root in sides.items():
                extra = ["--direct"] if side == "after" else []
                report = run_bench(root, "nightly.py", Path(tmp) / f"nightly_{side}.json", "--headlines", str(args.headlines), *extra)
                result["replay"][side] = replay_figures(report)
            direct = result["replay"]["after"]["direct_texts_per_s"]
            result["score_vs_direct"] = {side: round(figures["score_texts_per_s"] / direct, 2) for side, figures in result["replay"].items()}
    result["load_average_1m"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
