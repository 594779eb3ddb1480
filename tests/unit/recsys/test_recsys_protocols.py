"""Splits: Recommenders' stratified split reproduced exactly, cold items disjoint, seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lam_models.recsys.protocols import cold_item_split, stratified_split, validation_split


def _events(n_users: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(u, i, 4.0) for u in range(n_users) for i in rng.choice(50, size=int(rng.integers(3, 15)), replace=False)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating"])


def _recommenders_reference(data: pd.DataFrame, ratio: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The algorithm of recommenders.datasets.python_splitters.python_stratified_split, group by group."""
    splits = []
    for _, group in data.sample(frac=1, random_state=seed).groupby("user_id"):
        cut = round(ratio * len(group))
        splits.append((group.iloc[:cut], group.iloc[cut:]))
    return pd.concat([s[0] for s in splits]), pd.concat([s[1] for s in splits])


def test_stratified_split_matches_recommenders_algorithm() -> None:
    events = _events()
    train, test = stratified_split(events, 0.75, 42)
    ref_train, ref_test = _recommenders_reference(events, 0.75, 42)
    assert sorted(train.index) == sorted(ref_train.index)
    assert sorted(test.index) == sorted(ref_test.index)
    assert len(train) + len(test) == len(events)


def test_cold_item_split_holds_out_items_with_all_their_events() -> None:
    events = _events()
    train, test, cold = cold_item_split(events, np.arange(50), 0.2, 0)
    assert len(cold) == 10
    assert set(test["item_id"]) <= set(cold)
    assert not set(train["item_id"]) & set(cold)
    again = cold_item_split(events, np.arange(50), 0.2, 0)[2]
    np.testing.assert_array_equal(cold, again)


def test_validation_split_holds_out_a_share_per_user() -> None:
    events = _events()
    fit, val = validation_split(events, 0.25, 0)
    assert len(fit) + len(val) == len(events)
    per_user = val.groupby("user_id").size()
    sizes = events.groupby("user_id").size()
    assert (per_user == np.floor(sizes.loc[per_user.index] * 0.25)).all()
