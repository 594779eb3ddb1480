"""How far do several MiniLM fine-tunes get together? Ensembles and weight soups of the 50Agree rows.

Reads the 50Agree headline rows of ``bench/results/sentiment.json`` (their registry versions must
still be in ``settings.registry_root``) and scores, on the same validation and test split, every
combination of 2..N of them two ways: an ensemble (mean of their probabilities: N forward passes
per headline) and a uniform weight soup (the mean of their weights: one model, one pass; they all
start from the same base and head seed, so their weights stay averageable). Writes
``bench/results/sentiment_ensembles.json``.

    LAM_DATA_DIR=/work/shared/data python bench/sentiment_ensembles.py
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lam_models.registry.loading import load_version
from lam_models.sentiment import TrainConfig
from lam_models.sentiment.api import dataset_split, load_dataset
from lam_models.sentiment.metrics import accuracy, macro_f1
from lam_models.sentiment.model import predict
from lam_models.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
ROWS = ("main_50agree_v5", "main_50agree_v4", "v5_born_again", "adapted_50agree_v5", "main_50agree_v2", "v4_hard_labels")


def scores(labels: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    predicted = probs.argmax(1)
    return {"accuracy": round(accuracy(labels, predicted), 4), "macro_f1": round(macro_f1(labels, predicted, 3), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", default=list(ROWS))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = Settings()
    table = json.loads((RESULTS / "sentiment.json").read_text())
    data = load_dataset("50agree", settings, TrainConfig())
    split = dataset_split(data, "50agree", settings)
    parts = {"validation": data.subset(split.validation), "test": data.subset(split.test)}
    models = {row: load_version(settings.registry_root, table[row]["version_id"]) for row in args.rows}

    def probabilities(model: Any, tokenizer: Any) -> dict[str, np.ndarray]:
        return {name: torch.softmax(torch.as_tensor(predict(model, tokenizer, part.texts, 128, 64)[1]), -1).numpy()
                for name, part in parts.items()}

    single = {row: probabilities(m.model, m.tokenizer) for row, m in models.items()}
    out: dict[str, Any] = {"single": {row: {n: scores(parts[n].labels, p) for n, p in probs.items()} for row, probs in single.items()},
                           "combinations": []}
    for size in range(2, len(models) + 1):
        for combo in itertools.combinations(models, size):
            ensemble = {n: sum(single[row][n] for row in combo) / size for n in parts}
            soup = copy.deepcopy(models[combo[0]].model)
            states = [models[row].model.state_dict() for row in combo]
            soup.load_state_dict({k: sum(s[k].float() for s in states) / size for k in states[0]})
            souped = probabilities(soup.eval(), models[combo[0]].tokenizer)
            out["combinations"].append({
                "rows": list(combo),
                "ensemble": {n: scores(parts[n].labels, p) for n, p in ensemble.items()},
                "soup": {n: scores(parts[n].labels, p) for n, p in souped.items()}})
    for kind in ("ensemble", "soup"):
        best = max(out["combinations"], key=lambda c, k=kind: c[k]["test"]["accuracy"])
        best_val = max(out["combinations"], key=lambda c, k=kind: c[k]["validation"]["macro_f1"])
        out[f"best_{kind}_on_test"] = {"rows": best["rows"], **best[kind]}
        out[f"best_{kind}_by_validation"] = {"rows": best_val["rows"], **best_val[kind]}
        print(f"{kind:8s} best on test {best['rows']}: {best[kind]['test']}; "
              f"picked by validation {best_val['rows']}: {best_val[kind]['test']}")
    (RESULTS / "sentiment_ensembles.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
