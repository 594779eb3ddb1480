"""Benchmark the hybrid recommender on MovieLens-100k: every protocol x model, the diversity dial, ablations.

Writes ``bench/results/recsys.json`` (full metric table, the popularity-penalty trade-off, config,
machine load) and prints tables. Fit times are given as wall seconds and CPU seconds (all
threads): on a shared machine the CPU figure divided by the thread count is what an idle 2-core
machine would take.

    python bench/recsys.py [--data-dir DIR] [--out FILE] [--skip-ablations]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lam_models.datasets import fetch
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import read_ml100k_items, read_ml100k_ratings
from lam_models.recsys.evaluate import evaluate_recommenders, penalty_sweep, protocol_split, run_protocol
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.recsys.protocols import cold_item_split, stratified_split, validation_split
from lam_models.recsys.train import fit_hybrid

BARS = {
    ("recommenders", "ndcg"): 0.48, ("ua_all", "precision"): 0.27, ("ua_4", "precision"): 0.18, ("cold_items", "auc"): 0.80,
}  # fmt: skip
VALIDATION_PENALTIES = tuple(round(0.05 * i, 2) for i in range(21))
"""Popularity penalties tried on the validation splits that chose the default."""
VALIDATION_SEEDS = (0, 1, 2, 3, 4)
"""Seeds of the held-out draws: one draw (and one fit: LightFM's threads race) moves nDCG by about 1 %."""
TEST_FACTORS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
"""Penalties shown on the test splits, as multiples of the default."""
MAX_NDCG_LOSS = 0.01
"""The default is the penalty with the most coverage whose validation nDCG is within this share of penalty 0's."""
DIVERSITY_COLUMNS = ("ndcg", "precision", "coverage", "diversity")
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


def diversity(data_dir: Path, config: RecsysConfig, table: dict[str, Any]) -> dict[str, Any]:
    """The popularity-penalty dial: how its default was chosen (:func:`validation`), and its trade-off
    on the ``recommenders`` and ``ua_all`` test splits at multiples of the default, beside pure
    LightFM's figures from ``table`` (the same run)."""
    folder = fetch("movielens_100k", data_dir)
    items = read_ml100k_items(folder)
    emb = embed_texts_cached(item_texts(items))
    out: dict[str, Any] = {"validation": validation(folder, items, emb, config)}
    penalties = [round(f * config.popularity_penalty, 4) for f in TEST_FACTORS]
    for protocol in ("recommenders", "ua_all"):
        train, test, candidates = protocol_split(protocol, folder, items)
        hybrid = _sweep(train, test, candidates, items, emb, config, penalties)
        lightfm = {c: table[protocol]["lightfm"][c] for c in DIVERSITY_COLUMNS}
        default = hybrid[f"{config.popularity_penalty:g}"]
        out[protocol] = {"hybrid": hybrid, "lightfm": lightfm, "default": {
            "ndcg_loss": 1 - default["ndcg"] / hybrid["0"]["ndcg"],
            "met": default["ndcg"] >= (1 - MAX_NDCG_LOSS) * hybrid["0"]["ndcg"] and default["coverage"] >= lightfm["coverage"]}}
        _print_sweep(protocol, {**hybrid, "lightfm": lightfm})
    return out


def validation(folder: Path, items: pd.DataFrame, emb: np.ndarray, config: RecsysConfig) -> dict[str, Any]:
    """The default's choice, on the Recommenders-protocol training interactions only (test unused).

    For each of :data:`VALIDATION_SEEDS`, 10 % of each user's training interactions are held out,
    the hybrid is fitted on the rest and re-ranked at every penalty of :data:`VALIDATION_PENALTIES`.
    Averaged over the draws, the rule picks the most coverage whose nDCG is within
    :data:`MAX_NDCG_LOSS` of penalty 0's.
    """
    train, _, _ = protocol_split("recommenders", folder, items)
    draws = {}
    for seed in VALIDATION_SEEDS:
        fit, held_out = validation_split(train, 0.1, seed)
        draws[seed] = _sweep(fit, held_out, fit["item_id"].unique(), items, emb, config, VALIDATION_PENALTIES)
    mean = {p: {"ndcg_ratio": float(np.mean([d[p]["ndcg"] / d["0"]["ndcg"] for d in draws.values()])),
                **{c: float(np.mean([d[p][c] for d in draws.values()])) for c in DIVERSITY_COLUMNS}} for p in draws[VALIDATION_SEEDS[0]]}
    allowed = [p for p, m in mean.items() if m["ndcg_ratio"] >= 1 - MAX_NDCG_LOSS]
    _print_sweep("validation (mean of draws)", mean)
    return {"rule": f"most coverage with nDCG@{config.k} >= {1 - MAX_NDCG_LOSS:g} x penalty 0's, averaged over "
                    f"{len(draws)} draws of 10 % of each user's Recommenders training interactions (the test split unused)",
            "chosen": float(max(allowed, key=lambda p: mean[p]["coverage"])), "default": config.popularity_penalty,
            "mean": mean, "draws": draws}  # fmt: skip


def _sweep(train: pd.DataFrame, test: pd.DataFrame, candidates: np.ndarray | None, items: pd.DataFrame, emb: np.ndarray,
           config: RecsysConfig, penalties: Sequence[float]) -> dict[str, dict[str, float]]:
    """Fit the hybrid once on ``train``; its test metrics re-ranked at each penalty."""
    model = fit_hybrid(train, items, emb, config)
    position = pd.Series(np.arange(len(items)), index=items["item_id"].to_numpy()).loc[model.item_ids].to_numpy()
    mask = None if candidates is None else np.isin(model.item_ids, candidates)
    return penalty_sweep(model, test, emb[position], penalties, config.k, mask)


def _print_sweep(name: str, rows: dict[str, dict[str, Any]]) -> None:
    print(f"| {name}: penalty | " + " | ".join(DIVERSITY_COLUMNS) + " |", flush=True)
    for penalty, m in rows.items():
        print(f"| {penalty} | " + " | ".join(f"{m[c]:.4f}" for c in DIVERSITY_COLUMNS) + " |", flush=True)
    print(flush=True)


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
    result["diversity"] = diversity(args.data_dir, config, result["protocols"])
    bars["recommenders.popularity_penalty_default"] = result["diversity"]["recommenders"]["default"]
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
