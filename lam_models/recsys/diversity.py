"""Popularity re-ranking: one dial (``RecsysConfig.popularity_penalty``) that trades a little nDCG for coverage.

Why: the hybrid learns from interactions, and interactions concentrate on a few blockbusters, so
its top-k lists do too (catalogue coverage 0.20 on MovieLens-100k against 0.28 for tuned LightFM).
Diversifying each list with MMR over item factors did not bring coverage back without losing
more than 1 % nDCG; subtracting a popularity term from every score did.

The final score of user u for item i is::

    score(u, i) - penalty * spread(u) * prior(i)

``prior`` is the item's log interaction count standardised over the items that have interactions
(0 for items without: no evidence, neither pushed nor held back), and ``spread(u)`` the standard
deviation of u's scores over the catalogue, so one penalty means the same for every user and every
model, whatever the scale of its scores. Both are vectors: one batch of users is re-ranked with one
broadcast operation, never a loop over users. ``penalty = 0`` returns the scores untouched.
"""

from __future__ import annotations

import numpy as np


def popularity_prior(popularity: np.ndarray) -> np.ndarray:
    """Standardised log popularity of each item: the direction the re-ranker pushes away from.

    Log, because interaction counts are heavy-tailed (a raw count would let two or three
    blockbusters dominate the standardisation); standardised over items with interactions, so
    the penalty is in units of "one standard deviation more popular than the typical item".

    Args:
        popularity: float (n_items,) training interaction counts (0 = an item without interactions).

    Returns:
        float32 (n_items,): z-score of ``log1p(count)`` over items with count > 0, and 0 for the others.
    """
    popularity = np.asarray(popularity, dtype=np.float64)
    warm = popularity > 0
    prior = np.zeros(len(popularity), dtype=np.float64)
    if warm.sum() > 1:
        logs = np.log1p(popularity[warm])
        prior[warm] = (logs - logs.mean()) / max(float(logs.std()), 1e-12)
    return prior.astype(np.float32)


def rerank(scores: np.ndarray, popularity: np.ndarray, penalty: float) -> np.ndarray:
    """Scores of a batch of users with the popularity penalty applied (see the module docstring).

    Args:
        scores: float (b, n_items) model scores of b users, before any seen-item masking.
        popularity: float (n_items,) training interaction counts (the model's saved ``popularity``).
        penalty: >= 0; 0 returns ``scores`` itself, so the ranking is exactly the model's.

    Returns:
        float32 (b, n_items) re-ranked scores.
    """
    if penalty == 0:
        return scores
    spread = np.std(scores, axis=1, keepdims=True, dtype=np.float64)
    offset = np.float64(penalty) * spread * popularity_prior(popularity)[None, :]
    return (scores - offset).astype(np.float32)
