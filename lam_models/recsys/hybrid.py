"""The fitted hybrid recommender as plain arrays: score, recommend, similar items, add new items.

Everything here is numpy on arrays that ``store.py`` saves to ``.npz`` (no LightFM object and no
pickle), so a loaded version scores exactly like the one that was trained. Warm items use their
LightFM representation; items with no interactions use the text projector's; unknown users get
the popularity ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lam_models.recsys import diversity, rank
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.features import ItemFeaturizer
from lam_models.recsys.text_tower import TextTower


@dataclass(frozen=True)
class Neighbourhood:
    """EASE item-item weights over a subset of warm items, blended into warm-item scores."""

    items: np.ndarray  # int64 (m,) catalogue indices
    weights: np.ndarray  # float32 (m, m), zero diagonal
    scales: np.ndarray  # float64 [latent score std, neighbour score std]


@dataclass(frozen=True)
class HybridRecommender:
    """A fitted LightFM + text model; all arrays indexed by the catalogue order of ``item_ids``."""

    config: RecsysConfig
    user_ids: np.ndarray  # (n_users,)
    item_ids: np.ndarray  # (n_items,)
    user_vectors: np.ndarray  # float32 (n_users, c)
    user_biases: np.ndarray  # float32 (n_users,)
    item_vectors: np.ndarray  # float32 (n_items, c)
    item_biases: np.ndarray  # float32 (n_items,)
    warm: np.ndarray  # bool (n_items,): had interactions at fit time
    seen: sp.csr_matrix  # (n_users, n_items) training interactions
    popularity: np.ndarray  # float32 (n_items,) training interaction counts
    projector: np.ndarray  # float32 (design_dim + 1, c + 1), last row = intercept
    featurizer: ItemFeaturizer
    neighbourhood: Neighbourhood | None = None
    tower: TextTower | None = None  # behaviour-trained placement (``config.text_tower``); None: the ridge projector
    lightfm_state: dict[str, Any] = field(default_factory=dict)  # raw LightFM arrays, for audit / warm start
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def user_index(self) -> dict[Any, int]:
        return {u: i for i, u in enumerate(self.user_ids.tolist())}

    @property
    def item_index(self) -> dict[Any, int]:
        return {v: i for i, v in enumerate(self.item_ids.tolist())}

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Ranking scores of known users (row indices) for every catalogue item: float32 (b, n_items).

        The model's scores with the popularity re-ranker (``config.popularity_penalty``) applied, so
        recommendations, the evaluation and the gate's coverage all rank by the same numbers.
        """
        return diversity.rerank(self._model_scores(rows), self.popularity, self.config.popularity_penalty)

    def _model_scores(self, rows: np.ndarray) -> np.ndarray:
        """LightFM scores blended with the item neighbourhood, before re-ranking: float32 (b, n_items)."""
        rows = np.asarray(rows, dtype=np.int64)
        scores = rank.latent_scores(self.user_vectors[rows], self.user_biases[rows], self.item_vectors, self.item_biases)
        nb = self.neighbourhood
        if nb is None or self.config.neighbour_weight == 0:
            return scores
        history = self.seen[rows][:, nb.items]
        blend = np.asarray(history @ nb.weights, dtype=np.float32)
        scores /= np.float32(nb.scales[0])
        scores[:, nb.items] += np.float32(self.config.neighbour_weight / nb.scales[1]) * blend
        return scores

    def popularity_scores(self, rows: np.ndarray) -> np.ndarray:
        """The fallback ranking for unknown users: float32 (len(rows), n_items)."""
        return np.broadcast_to(self.popularity, (len(rows), len(self.item_ids))).astype(np.float32)

    def recommend(
        self, user_ids: list[Any] | np.ndarray, k: int | None = None, exclude_seen: bool = True, candidates: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-k item ids per user; unknown users get the most popular items (never an error). Known users' lists are
        built in the order given, with the coverage bonus (``config.coverage_bonus``) on items earlier lists lack.

        Args:
            user_ids: (n,) external user ids, known or not.
            k: list length (default ``config.k``).
            exclude_seen: drop items the user interacted with in training.
            candidates: optional bool (n_items,) restricting the catalogue.

        Returns:
            (item_ids (n, k) with -1 / None pads, scores float32 (n, k), known bool (n,)).
        """
        k = k or self.config.k
        index = self.user_index
        rows = np.array([index.get(u, -1) for u in user_ids], dtype=np.int64)
        known = rows >= 0
        top = np.full((len(rows), k), -1, dtype=np.int64)
        scores = np.full((len(rows), k), -np.inf, dtype=np.float32)
        if known.any():
            top[known], scores[known] = diversity.top_k(self.score, rows[known], k, self.config.coverage_bonus,
                                                        self.seen if exclude_seen else None, candidates)
        if (~known).any():
            top[~known], scores[~known] = rank.top_k(self.popularity_scores, np.arange((~known).sum()), k, None, candidates)
        ids = np.where(top >= 0, self.item_ids[np.maximum(top, 0)], _pad(self.item_ids))
        return ids, scores, known

    def similar_items(self, item_ids: list[Any] | np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Items closest to each given item in the hybrid latent space (cold items included).

        Returns:
            (item ids (n, k), cosine similarities float32 (n, k)).

        Raises:
            KeyError: an item id is not in the catalogue (add it with :meth:`with_new_items`).
        """
        index = self.item_index
        missing = [i for i in item_ids if i not in index]
        if missing:
            raise KeyError(f"items {missing[:5]} are not in the catalogue: add them first with with_new_items(items, embeddings)")
        top, sims = rank.similar_items(self.item_vectors, k or self.config.k, np.array([index[i] for i in item_ids]))
        return np.where(top >= 0, self.item_ids[np.maximum(top, 0)], _pad(self.item_ids)), sims

    def project(self, items: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Latent vectors and biases for items from their text and attributes alone (the tower if trained, else the projector).

        Args:
            items: frame like ``data.read_ml100k_items`` (genres, year, release).
            embeddings: float32 (n, d) text embeddings of those items.

        Returns:
            (vectors float32 (n, c), biases float32 (n,)).
        """
        design = self.featurizer.design(items, embeddings, self.config.projector_text, self.config.projector_attributes)
        out = self.tower(design) if self.tower is not None else design @ self.projector[:-1] + self.projector[-1]
        return out[:, :-1].astype(np.float32), out[:, -1].astype(np.float32)

    def with_new_items(self, items: pd.DataFrame, embeddings: np.ndarray) -> HybridRecommender:
        """A copy whose catalogue also holds ``items`` not yet in it, placed by their text features.

        Args:
            items: frame with ``item_id`` and the attribute columns.
            embeddings: float32 (len(items), d), aligned with ``items``.
        """
        fresh = ~items["item_id"].isin(set(self.item_ids.tolist())).to_numpy()
        if not fresh.any():
            return self
        new_items = items[fresh].reset_index(drop=True)
        vectors, biases = self.project(new_items, embeddings[fresh])
        n_new = len(new_items)
        item_ids = np.concatenate([self.item_ids, new_items["item_id"].to_numpy().astype(self.item_ids.dtype)])
        seen = sp.hstack([self.seen, sp.csr_matrix((len(self.user_ids), n_new), dtype=self.seen.dtype)]).tocsr()
        return replace(
            self, item_ids=item_ids, seen=seen,
            item_vectors=np.vstack([self.item_vectors, vectors]), item_biases=np.concatenate([self.item_biases, biases]),
            warm=np.concatenate([self.warm, np.zeros(n_new, bool)]), popularity=np.concatenate([self.popularity, np.zeros(n_new, np.float32)]),
        )  # fmt: skip


def _pad(ids: np.ndarray) -> Any:
    return -1 if np.issubdtype(ids.dtype, np.number) else None
