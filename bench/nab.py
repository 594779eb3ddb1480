"""NAB on the corpus in shared data: our scorer checked against NAB's published per-file scores, then our
detector beside the published detectors and the baselines, three profiles, thresholds optimised as NAB does.

    python bench/nab.py [--nab DIR] [--out bench/results/nab.json]

``--nab`` defaults to ``$LAM_DATA_DIR/nab`` (``../shared/data/nab``). The corpus there lacks one held-out
category; everything here is computed on the files it has.
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

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.nab.config import NabConfig
from lam_models.monitor.nab.corpus import data_files, load_label_windows, read_nab_series, read_result_scores, window_rows
from lam_models.monitor.nab.runner import result_path, score_series
from lam_models.monitor.nab.scoring import FileLayout, file_layout, file_score, load_profiles, normalised, optimise

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = ("null", "windowedGaussian", "numenta", "contextOSE", "ARTime")
OURS = ("monitor", "windowedGaussian", "null")


def published_check(nab_dir: Path, rels: list[str], layouts: dict[str, FileLayout], profiles: dict) -> dict:
    """Each published per-file ``Score`` recomputed at its published threshold: count and worst difference."""
    checked, worst, mismatched = 0, 0.0, []
    for detector in PUBLISHED:
        for profile in profiles.values():
            table = pd.read_csv(nab_dir / "results" / detector / f"{detector}_{profile.name}_scores.csv")
            for row in table.itertuples(index=False):
                if row.File not in layouts:
                    continue
                scores = read_result_scores(result_path(nab_dir / "results", detector, Path(row.File)))
                got = file_score(layouts[row.File], scores, float(row.Threshold), profile)["score"]
                diff = abs(got - float(row.Score))
                checked += 1
                worst = max(worst, diff)
                if diff > 1e-6:
                    mismatched.append(f"{detector}/{profile.name}/{row.File}: {got} vs {row.Score}")
    return {"files_checked": checked, "files_mismatched": len(mismatched), "max_abs_difference": worst,
            "mismatches": mismatched[:20]}


def corpus_table(rels: list[str], layouts: dict[str, FileLayout], scores: dict[str, np.ndarray], profiles: dict) -> dict:
    """Normalised score and threshold per profile, plus per-category raw totals at the standard threshold."""
    result = {name: optimise([layouts[r] for r in rels], [scores[r] for r in rels], p) for name, p in profiles.items()}
    standard = profiles["standard"]
    by_category: dict[str, dict[str, float]] = {}
    for rel in rels:
        part = file_score(layouts[rel], scores[rel], result["standard"]["threshold"], standard)
        cat = by_category.setdefault(rel.split("/")[0], {"raw": 0.0, "windows": 0, "tp": 0, "fp": 0})
        cat["raw"] += part["score"]
        cat["windows"] += layouts[rel].windows
        cat["tp"] += part["tp"]
        cat["fp"] += part["fp"]
    return {"profiles": {k: {key: round(v, 6) for key, v in row.items()} for k, row in result.items()},
            "standard_by_category": {k: {**v, "raw": round(v["raw"], 4)} for k, v in sorted(by_category.items())}}


LOCO_GRID = tuple({"memory_half_life": m, "record_growth": g} for m in (10000.0, 20000.0, 40000.0) for g in (2.0, 3.0))


def leave_one_category_out(rels: list[str], layouts: dict[str, FileLayout], series: dict, profile) -> dict:
    """Is the default setting an artefact of these files? Per category: the setting (from ``LOCO_GRID``) and
    threshold chosen on the other categories, scored on the held-out one (standard profile)."""
    scored = [{rel: score_series(series[rel], NabConfig(), MonitorConfig(**setting)) for rel in rels} for setting in LOCO_GRID]

    def best(scores: dict, subset: list[str]) -> dict:
        return optimise([layouts[r] for r in subset], [scores[r] for r in subset], profile)

    folds = {}
    for category in sorted({rel.split("/")[0] for rel in rels}):
        held = [r for r in rels if r.startswith(category + "/")]
        rest = [r for r in rels if r not in held]
        if not sum(layouts[r].windows for r in held):
            continue
        pick = max(range(len(LOCO_GRID)), key=lambda i: best(scored[i], rest)["normalised"])
        threshold = best(scored[pick], rest)["threshold"]
        raw = sum(file_score(layouts[r], scored[pick][r], threshold, profile)["score"] for r in held)
        folds[category] = {
            "chosen": LOCO_GRID[pick],
            "held_out_at_chosen_threshold": round(normalised(raw, [layouts[r] for r in held], profile), 2),
            "held_out_at_own_threshold": round(best(scored[pick], held)["normalised"], 2)}
    return {"grid": list(LOCO_GRID), "all_files": [round(best(s, rels)["normalised"], 2) for s in scored], "folds": folds}


def main(argv: list[str] | None = None) -> None:
    default_nab = Path(os.environ.get("LAM_DATA_DIR", REPO.parent / "shared" / "data")) / "nab"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab", type=Path, default=default_nab)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "nab.json")
    args = parser.parse_args(argv)
    data = args.nab / "data"
    windows = load_label_windows(data)
    files = data_files(data)
    rels = [f.relative_to(data).as_posix() for f in files]
    series = {rel: read_nab_series(f) for rel, f in zip(rels, files)}
    layouts = {rel: file_layout(len(series[rel]), window_rows(series[rel]["time"], windows.get(rel, [])))
               for rel in rels}
    profiles = load_profiles(args.nab / "config" / "profiles.json")
    report: dict = {
        "benchmark": "NAB scoring protocol on the shared corpus (held-out category absent)",
        "files": len(rels), "windows": sum(layout.windows for layout in layouts.values()),
        "rows": int(sum(len(s) for s in series.values())),
        "categories": sorted({rel.split("/")[0] for rel in rels}),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "scorer_check": published_check(args.nab, rels, layouts, profiles),
        "published": {}, "ours": {},
    }
    for detector in PUBLISHED:
        scores = {rel: read_result_scores(result_path(args.nab / "results", detector, Path(rel))) for rel in rels}
        report["published"][detector] = corpus_table(rels, layouts, scores, profiles)
    config = MonitorConfig()
    for detector in OURS:
        started = time.perf_counter()
        scores = {rel: score_series(series[rel], NabConfig(detector=detector), config) for rel in rels}
        seconds = time.perf_counter() - started
        report["ours"][detector] = {**corpus_table(rels, layouts, scores, profiles), "seconds": round(seconds, 3),
                                    "rows_per_s": round(report["rows"] / max(seconds, 1e-9))}
    report["leave_one_category_out"] = leave_one_category_out(rels, layouts, series, profiles["standard"])
    report["config"] = {"monitor": config.model_dump(mode="json"), "nab": NabConfig().model_dump(mode="json")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    rows = [(f"published {k}", v) for k, v in report["published"].items()] + [(f"ours {k}", v) for k, v in report["ours"].items()]
    print(f"scorer check: {report['scorer_check']['files_checked']} per-file scores, "
          f"{report['scorer_check']['files_mismatched']} mismatched")
    for name, table in rows:
        print(f"{name:28s}", "  ".join(f"{p} {table['profiles'][p]['normalised']:6.2f}" for p in profiles))


if __name__ == "__main__":
    main()
