"""A quality floor on PhraseBank that a broken training path cannot pass.

A small, fast recipe (2 encoder layers, 200 steps: about a minute on 2 cores) trained through the
ordinary ``train_sentiment`` path on the AllAgree subset. It reaches ~0.92 accuracy / ~0.90 macro-F1 on
the held-out split here; predicting the majority class gives ~0.61 / ~0.25, and a path that stops
learning, mixes up labels or mis-evaluates lands far below the floors. The full recipe's figures
(mean of several seeds) are in bench/results/sentiment.json.
"""

from __future__ import annotations

import pytest

from lam_models.registry import show
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig

pytestmark = pytest.mark.slow
FAST_RECIPE = dict(dataset="allagree", num_layers=2, batch_size=16, epochs=2, max_steps=200, learning_rate=3e-4,
                   progress=False, max_seq_length=48, num_threads=1)
FLOORS = {"accuracy": 0.85, "macro_f1": 0.80}


def test_a_small_fast_run_clears_the_phrasebank_floor(settings) -> None:
    version = api.train_sentiment(TrainConfig(**FAST_RECIPE), settings)
    metrics = show(settings.registry_root, version)["metrics"]
    for split in ("validation", "test"):
        for name, floor in FLOORS.items():
            assert metrics[split][name] >= floor, f"{split} {name} {metrics[split][name]:.3f} is below the floor {floor}"
