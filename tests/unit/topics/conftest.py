"""Synthetic headline topics: unit-norm blobs in 384-d with a small vocabulary per topic."""

from __future__ import annotations

import numpy as np
import pytest

VOCABULARY = (
    ("earnings", "beats", "estimate", "quarter", "eps", "revenue"),
    ("merger", "acquire", "deal", "buyout", "takeover", "bid"),
    ("downgrade", "analyst", "target", "rating", "neutral", "cut"),
    ("lawsuit", "regulator", "probe", "fine", "court", "settlement"),
    ("dividend", "payout", "raises", "yield", "shareholders", "quarterly"),
)


def blobs(n_per_topic: int, topics: int = 4, seed: int = 0, spread: float = 0.35, dims: int = 384,
          centers: np.ndarray | None = None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Texts, (n, dims) unit-norm embeddings, (n,) true topic and the (topics, dims) centres."""
    rng = np.random.default_rng(seed)
    if centers is None:
        centers = rng.normal(size=(topics, dims))
        centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    truth = np.repeat(np.arange(topics), n_per_topic)
    noise = rng.normal(size=(len(truth), dims)) * spread / np.sqrt(dims)
    vectors = centers[truth] + noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = []
    for i, t in enumerate(truth):
        words = rng.choice(VOCABULARY[t % len(VOCABULARY)], size=4, replace=False)
        texts.append(f"Company{i % 7} " + " ".join(words).title())
    return texts, vectors.astype(np.float32), truth, centers


@pytest.fixture
def four_topics():
    return blobs(60)
