"""Item features: cheap attributes + the text embedding, and the LightFM ``Dataset`` built from them.

Two views of the same item side. ``tokens`` are sparse named features for LightFM (a handful
per item: LightFM's cost grows with non-zeros per item, so the 384-d text vector enters only as
k-means codes). ``design`` is a dense matrix (text embedding + one-hot attributes) for the ridge
projector that places items with no interactions in LightFM's latent space.

Chosen by measurement (``bench/recsys.py``, ML-100k cold-item protocol): LightFM's own
attribute features reach cold AUC 0.773 (genre/year/recency) and 0.777 (+ text codes) at ~3x the
fit cost; the projector reaches 0.796 from attributes, 0.781 from the text alone and 0.804 from both,
at no extra LightFM cost. So by default LightFM sees identity features only and the text enters
through the projector; ``RecsysConfig.lightfm_item_features`` turns the native path back on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm.data import Dataset

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.events import sample_weights


@dataclass(frozen=True)
class ItemFeaturizer:
    """Fitted item-attribute vocabulary; arrays only, so it saves to ``.npz`` without pickle."""

    genres: np.ndarray  # str (n_genres,)
    year_edges: np.ndarray  # float (year_bins - 1,)
    recency_edges: np.ndarray  # float (recency_bins - 1,), log1p(days before reference)
    stats: np.ndarray  # float [year_mean, year_std, recency_mean, recency_std, reference_day, median_year]
    centroids: np.ndarray  # float32 (text_codes, d), empty if no text codes

    @classmethod
    def fit(cls, items: pd.DataFrame, embeddings: np.ndarray, reference_day: float, config: RecsysConfig) -> ItemFeaturizer:
        """Learn the vocabulary from the whole catalogue (attributes only: no interaction leaks).

        Args:
            items: frame with ``genres``, ``year``, ``release`` (see ``data.read_ml100k_items``).
            embeddings: float32 (n_items, d) text embeddings, rows aligned with ``items``.
            reference_day: "now" in days since the epoch (the last training event).
            config: bins and number of text codes.
        """
        genres = np.array(sorted({g for gs in items["genres"] for g in gs}), dtype=str)
        median_year = float(np.nanmedian(items["year"])) if items["year"].notna().any() else 2000.0
        year = items["year"].fillna(median_year).to_numpy(dtype=float)
        recency = _log_recency(items, reference_day, median_year)
        centroids = np.zeros((0, embeddings.shape[1]), dtype=np.float32)
        if "text" in config.lightfm_item_features and 0 < config.text_codes < len(items):
            from sklearn.cluster import KMeans

            km = KMeans(config.text_codes, n_init=3, random_state=config.seed).fit(embeddings)
            centroids = km.cluster_centers_.astype(np.float32)
        stats = np.array([year.mean(), year.std() + 1e-9, recency.mean(), recency.std() + 1e-9, reference_day, median_year])
        return cls(genres, _quantile_edges(year, config.year_bins), _quantile_edges(recency, config.recency_bins), stats, centroids)

    def tokens(self, items: pd.DataFrame, embeddings: np.ndarray, blocks: Sequence[str]) -> list[list[str]]:
        """Named attribute features per item, e.g. ``["genre:Drama", "year:7", "text:12"]``."""
        year, recency = self._year_recency(items)
        year_bin = np.searchsorted(self.year_edges, year, side="right")
        recency_bin = np.searchsorted(self.recency_edges, recency, side="right")
        codes = self.codes(embeddings) if "text" in blocks and len(self.centroids) else None
        known = set(self.genres.tolist())
        out = []
        for i, genres in enumerate(items["genres"]):
            row = [f"genre:{g}" for g in genres if g in known] if "genre" in blocks else []
            row += [f"year:{year_bin[i]}"] if "year" in blocks else []
            row += [f"recency:{recency_bin[i]}"] if "recency" in blocks else []
            row += [f"text:{codes[i]}"] if codes is not None else []
            out.append(row)
        return out

    def token_vocabulary(self, blocks: Sequence[str]) -> list[str]:
        """Every token :meth:`tokens` can emit for ``blocks`` (for ``Dataset.fit``)."""
        vocab = [f"genre:{g}" for g in self.genres] if "genre" in blocks else []
        vocab += [f"year:{b}" for b in range(len(self.year_edges) + 1)] if "year" in blocks else []
        vocab += [f"recency:{b}" for b in range(len(self.recency_edges) + 1)] if "recency" in blocks else []
        vocab += [f"text:{c}" for c in range(len(self.centroids))] if "text" in blocks else []
        return vocab

    def codes(self, embeddings: np.ndarray) -> np.ndarray:
        """Nearest k-means centroid per item: int (n_items,)."""
        d2 = (embeddings**2).sum(1, keepdims=True) - 2 * embeddings @ self.centroids.T + (self.centroids**2).sum(1)
        return d2.argmin(1)

    def design(self, items: pd.DataFrame, embeddings: np.ndarray, text: bool = True, attributes: bool = True) -> np.ndarray:
        """Dense projector input: [text embedding, genres, year one-hot, year z, z², recency one-hot, z, exact-date].

        Args:
            items: attribute frame; embeddings: float32 (n_items, d) aligned with it.
            text: include the embedding block (False: attributes only, for ablations).
            attributes: include the attribute blocks (False: text only, for ablations).

        Returns:
            float32 (n_items, d + n_genres + year_bins + recency_bins + 4), d = 0 without text, only d without attributes.
        """
        text_block = embeddings if text else np.zeros((len(items), 0), np.float32)
        if not attributes:
            return np.asarray(text_block, dtype=np.float32)
        year, recency = self._year_recency(items)
        genre_index = {g: j for j, g in enumerate(self.genres)}
        genre = np.zeros((len(items), len(self.genres)), dtype=np.float32)
        for i, genres in enumerate(items["genres"]):
            for g in genres:
                if g in genre_index:
                    genre[i, genre_index[g]] = 1.0
        yz = (year - self.stats[0]) / self.stats[1]
        rz = (recency - self.stats[2]) / self.stats[3]
        exact = _exact_release(items)
        blocks = [
            text_block, genre, _one_hot(np.searchsorted(self.year_edges, year, side="right"), len(self.year_edges) + 1),
            yz[:, None], yz[:, None] ** 2,
            _one_hot(np.searchsorted(self.recency_edges, recency, side="right"), len(self.recency_edges) + 1),
            rz[:, None], exact[:, None],
        ]  # fmt: skip
        return np.hstack(blocks).astype(np.float32)

    def _year_recency(self, items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        median_year = float(self.stats[5])
        year = items["year"].fillna(median_year).to_numpy(dtype=float)
        return year, _log_recency(items, float(self.stats[4]), median_year)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f"featurizer_{k}": getattr(self, k) for k in ("genres", "year_edges", "recency_edges", "stats", "centroids")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ItemFeaturizer:
        names = ("genres", "year_edges", "recency_edges", "stats", "centroids")
        return cls(**{k: np.asarray(arrays[f"featurizer_{k}"]) for k in names})


@dataclass(frozen=True)
class FeatureSet:
    """What LightFM trains on: the fitted ``Dataset`` and its matrices."""

    dataset: Dataset
    interactions: sp.coo_matrix  # (n_users, n_items) 1.0 where a user interacted
    weights: sp.coo_matrix  # (n_users, n_items) sample weights
    item_features: sp.csr_matrix  # (n_items, n_item_features)


def build_feature_set(
    events: pd.DataFrame, items: pd.DataFrame, tokens: list[list[str]], config: RecsysConfig, max_rating: float = 5.0
) -> FeatureSet:
    """LightFM ``Dataset`` with user/item id maps, weighted interactions and item features.

    Every catalogue item is mapped (so cold items have a row); warm items (with an event) get an
    identity feature ``id:<item>`` of weight 1, and all items their attribute ``tokens`` sharing
    ``config.attribute_weight``.

    Args:
        events: cleaned interactions (``user_id``, ``item_id``, ``rating``).
        items: catalogue frame with ``item_id``, rows aligned with ``tokens``.
        tokens: attribute tokens per catalogue item (may be empty lists).
        config: attribute weight, and how ratings and recency weight the samples (``events.sample_weights``).
        max_rating: rating mapped to weight 1.
    """
    item_ids = items["item_id"].tolist()
    warm = set(events["item_id"].unique().tolist())
    vocab = sorted({t for row in tokens for t in row})
    dataset = Dataset(item_identity_features=False)
    dataset.fit(
        users=events["user_id"].unique().tolist(), items=item_ids,
        item_features=[f"id:{i}" for i in item_ids if i in warm] + vocab,
    )  # fmt: skip
    weight = sample_weights(events, config, max_rating)
    interactions, weights = dataset.build_interactions(zip(events["user_id"].tolist(), events["item_id"].tolist(), weight.tolist()))
    rows = []
    for item, row in zip(item_ids, tokens):
        feats = {f"id:{item}": 1.0} if item in warm else {}
        feats.update({t: config.attribute_weight / len(row) for t in row})
        rows.append((item, feats))
    item_features = dataset.build_item_features(rows, normalize=False)
    return FeatureSet(dataset, interactions, weights, item_features.tocsr())


def _quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    if bins <= 1:
        return np.zeros(0)
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


def _log_recency(items: pd.DataFrame, reference_day: float, median_year: float) -> np.ndarray:
    """log1p(days from release to the reference day), clipped at 0; release from the year if missing."""
    year = items["year"].fillna(median_year).to_numpy(dtype=float)
    days = (year - 1970.0) * 365.25 + 182.0
    if "release" in items.columns:
        release = pd.to_datetime(items["release"], errors="coerce")
        known = release.notna().to_numpy()
        days[known] = (release[known].astype("datetime64[s]").astype("int64").to_numpy() / 86400.0)
    return np.log1p(np.clip(reference_day - days, 0.0, None))


def _exact_release(items: pd.DataFrame) -> np.ndarray:
    """1 where the release date is a real day (not a 1 January placeholder)."""
    if "release" not in items.columns:
        return np.zeros(len(items), dtype=np.float32)
    release = pd.to_datetime(items["release"], errors="coerce")
    placeholder = (release.dt.month == 1) & (release.dt.day == 1)
    return (release.notna() & ~placeholder).to_numpy(dtype=np.float32)


def _one_hot(index: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((len(index), width), dtype=np.float32)
    out[np.arange(len(index)), index] = 1.0
    return out
