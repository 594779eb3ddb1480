"""Lines of the lake's storage and exactly-once code, before (a git revision) and after (this checkout).

Counts non-blank lines of the modules that implement how tables are written, published and made
exactly-once (not the parsing, scoring or monitoring they serve), and of the four jobs as a whole.

    python bench/lake_code.py --before f713add --out bench/results/lake_code.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEFORE = ("lam_models/adapters/lake.py", "lam_models/adapters/manifest.py", "lam_models/ingest/ranges.py",
          "lam_models/scoring/rescore.py")
AFTER = ("lam_models/catalog.py", "lam_models/delta_tables.py", "lam_models/adapters/delta_spark.py",
         "lam_models/adapters/job_state.py")
JOBS = ("jobs/ingest.py", "jobs/score.py", "jobs/rescore.py", "jobs/monitor.py")


def lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def at_revision(revision: str, paths: tuple[str, ...]) -> dict[str, int]:
    return {p: lines(subprocess.run(["git", "show", f"{revision}:{p}"], cwd=REPO, capture_output=True, text=True, check=True).stdout)
            for p in paths}


def here(paths: tuple[str, ...]) -> dict[str, int]:
    return {p: lines((REPO / p).read_text()) for p in paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the hand-written lake")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    before = {"storage_modules": at_revision(args.before, BEFORE), "jobs": at_revision(args.before, JOBS)}
    after = {"storage_modules": here(AFTER), "jobs": here(JOBS)}
    for side in (before, after):
        side["storage_total"], side["jobs_total"] = sum(side["storage_modules"].values()), sum(side["jobs"].values())
    result = {"before": {"revision": args.before, **before}, "after": after,
              "note": "after: the catalog and Delta adapters replace the lake/manifest/offset-range/stale-file modules; "
                      "job_state.py is only the monitor's alert-delivery intent (it spans the lake and the alerts topic)"}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: (v["storage_total"], v["jobs_total"]) for k, v in (("before", before), ("after", after))}))


if __name__ == "__main__":
    main()
