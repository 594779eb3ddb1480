"""LightFM Dataset built by features.py: id mapping round trip, identity only for warm items."""

from __future__ import annotations

import numpy as np

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.features import ItemFeaturizer, build_feature_set


def test_dataset_mapping_round_trip(world: dict, tiny_config: RecsysConfig) -> None:
    items, events, emb = world["items"], world["events"], world["emb"]
    featurizer = ItemFeaturizer.fit(items, emb, 20_000.0, tiny_config)
    tokens = featurizer.tokens(items, emb, ("genre", "year"))
    fs = build_feature_set(events, items, tokens, tiny_config)
    user_map, _, item_map, feature_map = fs.dataset.mapping()
    inverse_users = {v: k for k, v in user_map.items()}
    inverse_items = {v: k for k, v in item_map.items()}
    assert [inverse_users[user_map[u]] for u in events["user_id"]] == events["user_id"].tolist()
    assert [inverse_items[item_map[i]] for i in items["item_id"]] == items["item_id"].tolist()
    coo = fs.interactions.tocoo()
    pairs = {(inverse_users[r], inverse_items[c]) for r, c in zip(coo.row, coo.col)}
    assert pairs == set(zip(events["user_id"], events["item_id"]))
    weights = fs.weights.tocsr()
    u, i = events.iloc[0]["user_id"], events.iloc[0]["item_id"]
    assert weights[user_map[u], item_map[i]] == np.float32(events.iloc[0]["rating"] / 5.0)
    # identity features exist for warm items only; cold items keep their attribute features
    warm = set(events["item_id"])
    for item in items["item_id"]:
        row = fs.item_features[item_map[item]]
        names = {k for k, v in feature_map.items() if row[0, v] != 0}
        assert (f"id:{item}" in names) == (item in warm)
        assert any(n.startswith("genre:") for n in names)


def test_featurizer_design_and_arrays_round_trip(world: dict, tiny_config: RecsysConfig) -> None:
    items, emb = world["items"], world["emb"]
    featurizer = ItemFeaturizer.fit(items, emb, 20_000.0, tiny_config.update(lightfm_item_features=("text",)))
    design = featurizer.design(items, emb)
    assert design.shape[0] == len(items) and design.dtype == np.float32
    assert len(featurizer.centroids) == 3
    again = ItemFeaturizer.from_arrays(featurizer.to_arrays())
    np.testing.assert_array_equal(again.design(items, emb), design)
    tokens = again.tokens(items, emb, ("genre", "year", "recency", "text"))
    assert set(t for row in tokens for t in row) <= set(again.token_vocabulary(("genre", "year", "recency", "text")))
