"""Benchmark the hybrid recommender on MovieLens-100k: every protocol x model, plus ablations.

Writes ``bench/results/recsys.json`` (full metric table, config, machine load) and prints a
table. Fit times are given as wall seconds and CPU seconds (all threads): on a shared machine the
CPU figure divided by the thread count is what an idle 2-core machine would take.

    python bench/recsys.py [--data-dir DIR] [--out FILE] [--skip-ablations]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from lam_models.datasets import fetch
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import read_ml100k_items, read_ml100k_ratings
from lam_models.recsys.evaluate import evaluate_recommenders, run_protocol
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.recsys.protocols import cold_item_split, stratified_split

BARS = {
    ("recommenders", "ndcg"): 0.48, ("ua_all", "precision"): 0.27, ("ua_4", "precision"): 0.18, ("cold_items", "auc"): 0.80,
}  # fmt: skip
COLUMNS = ("precision", "recall", "ndcg", "map", "auc", "coverage", "diversity", "fit_seconds", "fit_cpu_seconds", "rank_seconds")


def ablations(data_dir: Path, config: RecsysConfig) -> dict[str, Any]:
    """Item-side choices measured on the cold-item protocol, and the warm-side blend on Recommenders."""
    folder = fetch("movielens_100k", data_dir)
    items = read_ml100k_items(folder)
    emb = embed_texts_cached(item_texts(items))
    ratings = read_ml100k_ratings(folder)
    train, test, cold = cold_item_split(ratings, items["item_id"].to_numpy(), 0.2, 0)
    attrs = ("genre", "year", "recency")
    cold_variants = {
        "lightfm_native_genre_year_recency": config.update(lightfm_item_features=attrs, project_cold_items=False, neighbour_weight=0.0),
        "lightfm_native_plus_text_codes": config.update(lightfm_item_features=(*attrs, "text"), project_cold_items=False, neighbour_weight=0.0),
        "projector_attributes_only": config.update(projector_text=False),
        "projector_text_and_attributes": config,
        "projector_on_native_features": config.update(lightfm_item_features=(*attrs, "text")),
    }
    out: dict[str, Any] = {"cold_items": {}, "recommenders": {}}
    for name, variant in cold_variants.items():
        out["cold_items"][name] = run_protocol(train, test, items, emb, variant, cold, ("hybrid",))["hybrid"]
        _print_row("cold_items", name, out["cold_items"][name])
    train, test = stratified_split(ratings, 0.75, 42)
    warm_variants = {
        "no_neighbour_blend": config.update(neighbour_weight=0.0),
        "neighbour_weight_1.0": config.update(neighbour_weight=1.0),
        "native_features_plus_blend": config.update(lightfm_item_features=(*attrs, "text")),
    }
    for name, variant in warm_variants.items():
        out["recommenders"][name] = run_protocol(train, test, items, emb, variant, train["item_id"].unique(), ("hybrid",))["hybrid"]
        _print_row("recommenders", name, out["recommenders"][name])
    return out


def _print_row(protocol: str, model: str, m: dict[str, Any]) -> None:
    cells = " ".join(f"{m[c]:.3f}" if isinstance(m.get(c), float) else "-" for c in COLUMNS)
    print(f"| {protocol} | {model} | {cells.replace(' ', ' | ')} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LAM_DATA_DIR", "/work/shared/data")))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "recsys.json")
    parser.add_argument("--skip-ablations", action="store_true")
    args = parser.parse_args()
    config = RecsysConfig()
    started = time.time()
    load_before = os.getloadavg()
    print("| protocol | model | " + " | ".join(COLUMNS) + " |")
    result = evaluate_recommenders(args.data_dir, config)
    for protocol, models in result["protocols"].items():
        for model, values in models.items():
            _print_row(protocol, model, values)
    bars = {
        f"{p}.{metric}": {"bar": bar, "hybrid": result["protocols"][p]["hybrid"][metric], "met": result["protocols"][p]["hybrid"][metric] >= bar}
        for (p, metric), bar in BARS.items()
    }  # fmt: skip
    cold = result["protocols"]["cold_items"]
    bars["cold_items.hybrid_beats_lightfm_auc"] = {"met": cold["hybrid"]["auc"] > cold["lightfm"]["auc"]}
    warm = result["protocols"]["recommenders"]
    bars["recommenders.hybrid_not_worse_ndcg"] = {"met": warm["hybrid"]["ndcg"] >= warm["lightfm"]["ndcg"] - 1e-3}
    result["bars"] = bars
    if not args.skip_ablations:
        result["ablations"] = ablations(args.data_dir, config)
    result["machine"] = {
        "cpus": os.cpu_count(), "platform": platform.platform(), "load_average_before": load_before,
        "load_average_after": os.getloadavg(), "num_threads": config.num_threads, "seconds": round(time.time() - started, 1),
        "note": "shared machine: fit_cpu_seconds / num_threads approximates an idle machine's wall time",
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=_default))
    print(json.dumps(bars, indent=2, default=_default))
    print(f"wrote {args.out}")


def _default(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value)}")


if __name__ == "__main__":
    main()
