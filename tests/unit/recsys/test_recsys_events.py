"""Event semantics: a view is not a 5-star rating, explicit ratings win, unknown events are refused, recency decays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.events import event_strengths, sample_weights
from lam_models.recsys.features import ItemFeaturizer, build_feature_set
from lam_models.recsys.train import fit_hybrid

DAY = 86400.0


def events_of(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "event", "rating", "timestamp"])


def test_a_view_no_longer_counts_as_a_five_star_rating(world: dict, tiny_config: RecsysConfig) -> None:
    items, emb = world["items"], world["emb"]
    raw = events_of((1, 100, "view", None, 0.0), (1, 101, "rating", 5.0, 0.0), (2, 100, "click", None, 0.0),
                    (2, 102, "purchase", None, 0.0))
    events, _ = event_strengths(raw, tiny_config)
    featurizer = ItemFeaturizer.fit(items, emb, 0.0, tiny_config)
    feature_set = build_feature_set(events, items, featurizer.tokens(items, emb, ()), tiny_config)
    users, _, item_map, _ = feature_set.dataset.mapping()
    weights = feature_set.weights.tocsr()
    weight = {(u, i): float(weights[users[u], item_map[i]]) for u, i in [(1, 100), (1, 101), (2, 100), (2, 102)]}
    assert weight == pytest.approx({(1, 100): 0.2, (1, 101): 1.0, (2, 100): 0.4, (2, 102): 0.8})


def test_an_explicit_rating_wins_else_the_strongest_event_and_ratings_stay_ratings() -> None:
    config = RecsysConfig(view_weight=0.5, purchase_weight=4.5)
    raw = events_of(("a", "x", "purchase", None, 1.0), ("a", "x", "rating", 2.0, 2.0), ("a", "y", "purchase", None, 3.0),
                    ("a", "y", "view", None, 4.0), ("b", "x", "view", 4.0, 5.0))
    events, dropped = event_strengths(raw, config)
    assert events[["user_id", "item_id", "rating"]].values.tolist() == [["a", "x", 2.0], ["a", "y", 4.5], ["b", "x", 0.5]]
    assert sum(dropped.values()) == 2
    movielens = raw.drop(columns="event")
    assert event_strengths(movielens, config)[0] is movielens, "frames without event types are ratings, unchanged"


def test_unknown_event_types_are_refused_by_the_trainer(world: dict, tiny_config: RecsysConfig) -> None:
    events = world["events"].assign(event="rating")
    events.loc[:2, "event"] = "like"
    with pytest.raises(ValueError, match=r"unknown interaction event types \['like'\] \(3 rows\)"):
        fit_hybrid(events, world["items"], world["emb"], tiny_config)
    model = fit_hybrid(events.assign(event="view"), world["items"], world["emb"], tiny_config.update(max_epochs=5))
    assert model.meta["clean"]["kept"] == len(events), "a user or item with only views still trains"


def test_recency_halves_the_weight_every_half_life() -> None:
    events = events_of(("a", "x", "rating", 5.0, 0.0), ("a", "y", "rating", 5.0, 10 * DAY), ("a", "z", "rating", 2.5, 20 * DAY))
    assert sample_weights(events, RecsysConfig(), 5.0).tolist() == [1.0, 1.0, 0.5]
    decayed = sample_weights(events, RecsysConfig(recency_half_life_days=10.0), 5.0)
    np.testing.assert_allclose(decayed, [0.25, 0.5, 0.5], rtol=1e-6)
    with pytest.raises(ValueError, match="event weights must be > 0"):
        RecsysConfig(view_weight=0.0)
