"""Behaviour fine-tuning of the item-text encoder: neighbours from co-consumption, a folder the recommender can load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.recsys.item_text import embed_texts_cached
from lam_models.recsys.text_finetune import MARKER, FinetuneSettings, co_consumption_neighbours, finetune_item_encoder
from lam_models.sentiment.offline_models import PACKAGED_MODEL


def test_neighbours_are_the_items_the_same_users_consume() -> None:
    events = pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3, 3, 4, 1],
                           "item_id": [10, 11, 10, 11, 12, 13, 10, 13, 10]})  # the repeated (1, 10) counts once
    out = co_consumption_neighbours(events, np.array([10, 11, 12, 13, 99]), k=1, min_users=2)
    assert sorted(out) == [0, 1, 3]  # items 12 (one user) and 99 (none) have too few users to anchor
    assert out[1].tolist() == [0] and out[0].tolist() == [1] and out[3].tolist() == [2]


def test_fine_tuning_pulls_co_consumed_titles_together_and_saves_a_loadable_encoder(tmp_path: Path) -> None:
    # two audiences: users 0-19 watch the war films, users 20-39 the cooking shows; the titles alone do not say so
    titles = [f"Operation {w} ({1950 + i})" for i, w in enumerate("Amber Birch Cedar Dune Ember Flint Grove Heath".split())]
    titles += [f"Kitchen {w} ({1990 + i})" for i, w in enumerate("Anise Basil Clove Dill Endive Fennel Ginger Hops".split())]
    items = np.arange(len(titles))
    rng = np.random.default_rng(0)
    events = pd.DataFrame([(u, i) for u in range(40) for i in rng.choice(items[:8] if u < 20 else items[8:], 5, replace=False)],
                          columns=["user_id", "item_id"])
    neighbours = co_consumption_neighbours(events, items, k=3, min_users=2)
    out = tmp_path / "encoder"
    record = finetune_item_encoder(titles, neighbours, PACKAGED_MODEL, out, FinetuneSettings(epochs=4, batch_size=8, learning_rate=5e-5))
    assert json.loads((out / MARKER).read_text())["anchors"] == record["anchors"] == 16
    assert record["loss_per_epoch"][-1] < record["loss_per_epoch"][0]

    def pair_similarity(vectors: np.ndarray) -> float:
        return float(np.mean([vectors[a] @ vectors[b] for a, best in neighbours.items() for b in best]))

    before = embed_texts_cached(titles, cache_dir=None)
    after = embed_texts_cached(titles, cache_dir=None, model=str(out))
    assert after.shape == before.shape
    assert pair_similarity(after) > pair_similarity(before) + 0.02


def test_too_few_interactions_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too few interactions"):
        finetune_item_encoder(["a", "b"], {0: np.array([1])}, PACKAGED_MODEL, tmp_path / "x")
    assert not (tmp_path / "x").exists()
