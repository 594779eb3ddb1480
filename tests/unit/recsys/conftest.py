"""Tiny synthetic world for recsys unit tests: 3 taste clusters, 36 items, 24 users, 8-d "text"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lam_models.recsys.config import RecsysConfig

N_CLUSTERS, ITEMS_PER_CLUSTER, USERS_PER_CLUSTER = 3, 12, 8
GENRES = ("Action", "Comedy", "Drama")


@pytest.fixture(scope="session")
def world() -> dict[str, object]:
    """Items of cluster c share genre GENRES[c] and an embedding direction; users like one cluster."""
    rng = np.random.default_rng(0)
    n_items = N_CLUSTERS * ITEMS_PER_CLUSTER
    cluster = np.repeat(np.arange(N_CLUSTERS), ITEMS_PER_CLUSTER)
    centres = np.eye(8, dtype=np.float32)[:N_CLUSTERS] * 3
    emb = centres[cluster] + rng.normal(0, 0.3, (n_items, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    items = pd.DataFrame({
        "item_id": np.arange(100, 100 + n_items),
        "title": [f"Movie {i} ({1980 + i})" for i in range(n_items)],
        "year": [float(1980 + i) for i in range(n_items)],
        "genres": [(GENRES[c],) for c in cluster],
        "tags": [()] * n_items,
        "release": pd.NaT,
    })  # fmt: skip
    cold = np.array([100 + c * ITEMS_PER_CLUSTER + j for c in range(N_CLUSTERS) for j in (10, 11)])
    rows = []
    for u in range(N_CLUSTERS * USERS_PER_CLUSTER):
        liked = u % N_CLUSTERS
        for j in rng.choice(10, size=7, replace=False):
            rows.append((u + 1, 100 + liked * ITEMS_PER_CLUSTER + j, 5.0, 1_000_000 + len(rows)))
        other = (liked + 1) % N_CLUSTERS
        rows.append((u + 1, 100 + other * ITEMS_PER_CLUSTER + int(rng.integers(10)), 2.0, 1_000_000 + len(rows)))
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    return {"items": items, "emb": emb, "events": events, "cold": cold, "cluster": cluster}


@pytest.fixture(scope="session")
def tiny_config() -> RecsysConfig:
    return RecsysConfig(
        no_components=8, learning_rate=0.05, max_epochs=20, eval_every=5, patience=2, year_bins=4, recency_bins=4,
        text_codes=3, projector_alpha=1.0, neighbour_lambda=5.0, num_threads=1,
    )  # fmt: skip


@pytest.fixture(scope="session")
def fitted(world: dict[str, object], tiny_config: RecsysConfig):
    from lam_models.recsys.train import fit_hybrid

    return fit_hybrid(world["events"], world["items"], world["emb"], tiny_config)
