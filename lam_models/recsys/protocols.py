"""Seeded train/test splits for the three evaluation protocols (pure: frames in, frames out).

* ``ua`` / ``ub``: MovieLens-100k's official ``ua.base`` / ``ua.test`` (and ``ub.*``): 10 test ratings
  per user, disjoint test sets.
* Recommenders: Microsoft Recommenders' ``python_stratified_split`` (75/25 per user, seed 42),
  reproduced exactly so published numbers are comparable.
* cold items: 20% of items (a ``RandomState(0)`` permutation) held out with all their interactions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lam_models.recsys.data import read_ml100k_ratings


OFFICIAL_SPLITS = ("ua", "ub")


def official_split(folder: Path, name: str = "ua") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) frames from ``<name>.base`` / ``<name>.test`` of an ML-100k folder (``name`` in :data:`OFFICIAL_SPLITS`)."""
    if name not in OFFICIAL_SPLITS:
        raise ValueError(f"unknown official split {name!r}: MovieLens-100k ships {OFFICIAL_SPLITS}")
    return read_ml100k_ratings(folder, f"{name}.base"), read_ml100k_ratings(folder, f"{name}.test")


def stratified_split(events: pd.DataFrame, ratio: float = 0.75, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-user random split, identical to Recommenders' ``python_stratified_split``.

    The whole frame is shuffled once with ``DataFrame.sample(frac=1, random_state=seed)``; each
    user's first ``round(ratio * n_user)`` shuffled rows go to train, the rest to test.

    Args:
        events: interactions with ``user_id`` (row order matters, as in Recommenders).
        ratio: train share per user.
        seed: shuffle seed.

    Returns:
        (train, test) frames, in shuffled order.
    """
    shuffled = events.sample(frac=1, random_state=seed)
    position = shuffled.groupby("user_id", sort=False).cumcount().to_numpy()
    size = shuffled.groupby("user_id", sort=False)["user_id"].transform("size").to_numpy()
    cut = np.array([round(ratio * n) for n in size])  # Python rounding, as np.split receives it
    in_train = position < cut
    return shuffled[in_train], shuffled[~in_train]


def validation_split(events: pd.DataFrame, fraction: float = 0.1, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out ``fraction`` of each user's events (users with >= 2 events) for early stopping.

    Returns:
        (fit, validation) frames.
    """
    rng = np.random.default_rng(seed)
    keys = rng.random(len(events))
    order = pd.Series(keys, index=events.index).groupby(events["user_id"]).rank(method="first").to_numpy()
    size = events.groupby("user_id")["user_id"].transform("size").to_numpy()
    n_val = np.floor(size * fraction).astype(int)
    held = order <= n_val
    return events[~held], events[held]


def cold_item_split(
    events: pd.DataFrame, item_ids: np.ndarray, fraction: float = 0.2, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Hold out a share of items with all their interactions.

    Args:
        events: all interactions.
        item_ids: the catalogue, int (n_items,); permuted with ``RandomState(seed)``.
        fraction: share of items held out (``int(fraction * n_items)`` of them).
        seed: permutation seed.

    Returns:
        (train events on warm items, test events on cold items, cold item ids).
    """
    ids = np.asarray(item_ids)
    cold = ids[np.random.RandomState(seed).permutation(len(ids))[: int(fraction * len(ids))]]
    is_cold = events["item_id"].isin(cold).to_numpy()
    return events[~is_cold], events[is_cold], np.sort(cold)
