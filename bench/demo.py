"""Time ``lam demo`` as a new user's first run after the install: a fresh home, the installed venv and jars.

The home (lake, registry, broker folder, splits) is a new temporary folder, so the demo replays,
trains its small sentiment version and runs the whole nightly pipeline from nothing; only the venv
and the Maven jars (the one-time install) are linked in. Writes ``bench/results/demo.json`` with
the wall time, the demo's printed summary and the machine load.

    python bench/demo.py [--port 29192]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INSTALLED = Path(os.environ.get("LAM_HOME_DIR", Path.home() / ".cache" / "lam-pipelines"))
TARGET_S = 600
SUMMARY_RULE = "lam demo summary"


def fresh_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="lam-demo-home-"))
    for name in ("venv", "jars"):
        (home / name).symlink_to(INSTALLED / name)
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=29192, help="the demo broker's client port (controller: +1)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "demo.json")
    args = parser.parse_args()
    home = fresh_home()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAM_")}
    env.update({
        "LAM_HOME_DIR": str(home), "LAM_DATA_DIR": os.environ.get("LAM_DATA_DIR", str(REPO.parent / "shared" / "data")),
        "LAM_KAFKA__PORT_BASE": str(args.port), "LAM_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{args.port}",
        "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "COLUMNS": "140",
    })
    load_before = os.getloadavg()
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lam_models", "demo"], env=env, cwd=REPO, capture_output=True, text=True)
    seconds = round(time.perf_counter() - began, 1)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the demo and every descendant it waited for
    output = proc.stdout + proc.stderr
    (home / "demo-output.txt").write_text(output)
    lines = output.splitlines()
    summary = lines[next((i for i, line in enumerate(lines) if SUMMARY_RULE in line), len(lines)):]
    result = {
        "benchmark": "lam demo on a fresh home (venv and jars installed)", "seconds": seconds, "target_s": TARGET_S,
        "within_target": proc.returncode == 0 and seconds <= TARGET_S, "returncode": proc.returncode,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "cpu_note": "CPU time of the demo's process tree: on 2 idle cores the wall time is at least cpu_seconds / 2",
        "summary": summary if proc.returncode == 0 else lines[-40:],
        "model_lines": [line for line in lines if line.startswith("sentiment model")],
        "cores": os.cpu_count(), "machine": platform.platform(), "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "home": str(home),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
