"""The Delta lake against the hand-written Parquet lake it replaced, in one run: each checkout's own
``bench/ingest.py`` (cold and warm ingest of the same messages) and ``bench/nightly.py`` (the historic replay
through every nightly step), the sides taking turns, plus the score step's model on the same headlines without
Spark or the lake (the direct path the score step is held to). Writes ``bench/results/lake.json``.

    python bench/lake.py --before /path/to/older/checkout [--messages 200000] [--headlines 10000]
"""

from __future__ import annotations

import argparse
import json
import os
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


def ingest_figures(report: dict) -> dict:
    modes = report["spark_modes"]
    return {mode: {run: modes[mode][run]["msgs_per_s"] for run in ("cold", "warm")} for mode in modes}


def replay_figures(report: dict) -> dict:
    return {"score_texts_per_s": report["score_texts_per_s"], "stages_s": report["stages_s"],
            "direct_texts_per_s": report["stages"].get("direct_scoring", {}).get("texts_per_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the Parquet lake (e.g. a git worktree)")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--headlines", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "lake.json")
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": REPO}
    result: dict = {"benchmark": "Delta lake (after) vs the hand-written Parquet lake (before), same run",
                    "messages": args.messages, "headlines": args.headlines, "ingest": {}, "replay": {}}
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as tmp:
        for side, root in sides.items():
            report = run_bench(root, "ingest.py", Path(tmp) / f"ingest_{side}.json", "--messages", str(args.messages))
            result["ingest"][side] = ingest_figures(report)
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
