"""Vectorised top-K: seen items excluded, candidates respected, pads, ties, similar items."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lam_models.recsys import rank


def _scores(rows: np.ndarray) -> np.ndarray:
    base = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    return np.tile(base, (len(rows), 1))


def test_seen_items_are_never_recommended() -> None:
    seen = sp.csr_matrix(np.array([[1, 0, 1, 0, 0], [0, 0, 0, 0, 0]]))
    items, scores = rank.top_k(_scores, np.array([0, 1]), 3, seen)
    assert items[0].tolist() == [1, 3, 4]
    assert items[1].tolist() == [0, 1, 2]
    assert scores[0].tolist() == [4.0, 2.0, 1.0]


def test_candidates_and_short_lists_pad_with_minus_one() -> None:
    candidates = np.array([False, True, False, True, False])
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0, 0]]))
    items, scores = rank.top_k(_scores, np.array([0]), 3, seen, candidates)
    assert items[0].tolist() == [3, -1, -1]
    assert np.isneginf(scores[0, 1:]).all()


def test_batches_give_the_same_answer_and_ties_break_by_index() -> None:
    rng = np.random.default_rng(0)
    table = rng.integers(0, 3, (50, 20)).astype(np.float32)
    seen = sp.random(50, 20, density=0.2, random_state=0, format="csr")
    a, _ = rank.top_k(lambda r: table[r], np.arange(50), 6, seen, batch_size=7)
    b, _ = rank.top_k(lambda r: table[r], np.arange(50), 6, seen, batch_size=1000)
    np.testing.assert_array_equal(a, b)
    for u in range(50):
        masked = np.where(seen[u].toarray().ravel() != 0, -np.inf, table[u])
        expected = sorted(range(20), key=lambda i: (-masked[i], i))[:6]
        assert a[u].tolist() == expected


def test_similar_items_excludes_the_item_itself() -> None:
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    items, sims = rank.similar_items(vectors, 2)
    assert items[:, 0].tolist() == [1, 0, 3, 2]
    assert (items != np.arange(4)[:, None]).all()
    assert sims[0, 0] > sims[0, 1]


def test_latent_scores_matches_definition() -> None:
    u, ub = np.array([[1.0, 2.0]]), np.array([0.5])
    v, vb = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.0, 1.0])
    assert rank.latent_scores(u, ub, v, vb).tolist() == [[1.5, 3.5]]
