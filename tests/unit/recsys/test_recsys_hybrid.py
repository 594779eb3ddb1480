"""The fitted hybrid: cold items ranked from features only, fallbacks, save/load, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.recsys.baselines import fit_content, fit_popularity, pure_lightfm_config
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import EmptyInteractionsError
from lam_models.recsys.store import MODEL_NAME, load_model, save_model
from lam_models.registry.store import RegistryError
from lam_models.recsys.train import fit_hybrid


def test_seen_items_are_excluded_from_recommendations(world: dict, fitted) -> None:
    events = world["events"]
    ids, _, known = fitted.recommend(fitted.user_ids, k=5)
    assert known.all()
    seen = events.groupby("user_id")["item_id"].apply(set)
    for user, row in zip(fitted.user_ids, ids):
        assert not set(row.tolist()) & seen[user]


def test_cold_items_are_ranked_from_their_features_only(world: dict, fitted) -> None:
    items, emb, cold, cluster = world["items"], world["emb"], world["cold"], world["cluster"]
    is_cold = np.isin(fitted.item_ids, cold)
    assert not fitted.warm[is_cold].any() and fitted.warm[~is_cold].all()
    # a cold item's representation is exactly the projector applied to its text + attributes
    rows = items.set_index("item_id").loc[fitted.item_ids[is_cold]].reset_index()
    position = pd.Series(np.arange(len(items)), index=items["item_id"]).loc[rows["item_id"]].to_numpy()
    vectors, biases = fitted.project(rows, emb[position])
    np.testing.assert_allclose(fitted.item_vectors[is_cold], vectors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.item_biases[is_cold], biases, rtol=1e-5, atol=1e-6)
    # and it ranks cold items of the user's favourite cluster first
    ids, _, _ = fitted.recommend(fitted.user_ids, k=2, candidates=is_cold)
    liked = (fitted.user_ids - 1) % 3
    item_cluster = dict(zip(items["item_id"], cluster))
    hits = np.mean([item_cluster[i] == c for row, c in zip(ids, liked) for i in row])
    assert hits > 0.8


def test_new_items_at_ranking_time_use_text_features(world: dict, fitted) -> None:
    items, emb = world["items"], world["emb"]
    new = items.iloc[[0]].assign(item_id=999, title="Brand New (1999)")
    grown = fitted.with_new_items(new, emb[[0]])
    assert grown.item_ids[-1] == 999 and len(grown.item_ids) == len(fitted.item_ids) + 1
    similar, _ = grown.similar_items([999], k=3)
    assert 999 not in similar[0]
    assert np.isfinite(grown.score(np.array([0]))[0, -1])
    with pytest.raises(KeyError, match="with_new_items"):
        fitted.similar_items([12345])


def test_unknown_users_get_popularity(world: dict, fitted) -> None:
    ids, _, known = fitted.recommend(["nobody", fitted.user_ids[0]], k=3)
    assert known.tolist() == [False, True]
    assert ids[0].tolist() == fitted.item_ids[np.argsort(-fitted.popularity, kind="stable")[:3]].tolist()


def test_save_load_gives_identical_scores(tmp_path: Path, fitted) -> None:
    version = save_model(tmp_path, fitted, data_hash="0" * 64, version_id="v1")
    loaded = load_model(tmp_path, version)
    rows = np.arange(len(fitted.user_ids))
    np.testing.assert_array_equal(loaded.score(rows), fitted.score(rows))
    np.testing.assert_array_equal(loaded.recommend(fitted.user_ids)[0], fitted.recommend(fitted.user_ids)[0])
    assert loaded.config == fitted.config
    assert not any((tmp_path / MODEL_NAME / ".staging").iterdir())
    with pytest.raises(RegistryError, match="already exists"):
        save_model(tmp_path, fitted, data_hash="0" * 64, version_id="v1")
    (tmp_path / MODEL_NAME / "versions" / version / "arrays.npz").write_bytes(b"corrupt")
    with pytest.raises(RegistryError, match="corrupt"):
        load_model(tmp_path, version)


def test_bad_input_is_counted_and_empty_input_is_an_error(world: dict, tiny_config: RecsysConfig) -> None:
    items, emb, events = world["items"], world["emb"], world["events"]
    noisy = pd.concat([events, events.iloc[:3], pd.DataFrame({"user_id": [1, 1], "item_id": [100, 5], "rating": [42.0, 4.0], "timestamp": [0, 0]})])
    model = fit_hybrid(noisy, items, emb, tiny_config.update(max_epochs=5, validation_fraction=0.0))
    dropped = model.meta["clean"]["dropped"]
    assert dropped["rating outside [0.5, 5]"] == 1
    assert dropped["duplicate (user_id, item_id): kept the latest"] == 3
    assert dropped["item_id not in the item table"] == 1
    with pytest.raises(EmptyInteractionsError):
        fit_hybrid(events.iloc[:0], items, emb, tiny_config)
    with pytest.raises(ValueError, match="aligned"):
        fit_hybrid(events, items, emb[:3], tiny_config)
    with pytest.raises(ValueError, match="duplicate item_id"):
        fit_hybrid(events, pd.concat([items, items.iloc[:1]]), np.vstack([emb, emb[:1]]), tiny_config)


def test_baselines_share_the_ranking_interface(world: dict, tiny_config: RecsysConfig) -> None:
    items, emb, events = world["items"], world["emb"], world["events"]
    pop = fit_popularity(events, items["item_id"].to_numpy())
    content = fit_content(events, items, emb)
    for model in (pop, content):
        scores = model.score(np.arange(3))
        assert scores.shape == (3, len(items))
    pure = fit_hybrid(events, items, emb, pure_lightfm_config(tiny_config).update(max_epochs=5))
    cold = ~pure.warm
    assert np.allclose(pure.item_vectors[cold], 0) and pure.neighbourhood is None
    assert pure.config.popularity_penalty == pure.config.coverage_bonus == 0.0, "the LightFM baseline ranks as LightFM does"


def test_config_validation_and_round_trip() -> None:
    config = RecsysConfig(lightfm_item_features=("genre", "text"))
    assert RecsysConfig.model_validate(json.loads(json.dumps(config.model_dump(mode="json")))) == config
    with pytest.raises(ValueError, match="loss"):
        RecsysConfig(loss="logistic")
    with pytest.raises(ValueError, match="unknown item feature"):
        RecsysConfig(lightfm_item_features=("colour",))
    with pytest.raises(ValueError, match="no_componets"):
        RecsysConfig.model_validate({"no_componets": 3})


def test_early_stopping_records_the_validation_curve(world: dict, tiny_config: RecsysConfig) -> None:
    config = tiny_config.update(validation_fraction=0.3, max_epochs=30, eval_every=5, patience=1)
    model = fit_hybrid(world["events"], world["items"], world["emb"], config)
    curve = model.meta["validation_ndcg"]
    assert curve and all(epoch % 5 == 0 for epoch, _ in curve)
    assert model.meta["epochs"] in [epoch for epoch, _ in curve]
    assert model.meta["epochs"] == max(curve, key=lambda c: c[1])[0]


def test_text_tower_is_saved_and_loaded_version_places_and_ranks_identically(tmp_path: Path, world: dict, tiny_config: RecsysConfig) -> None:
    config = tiny_config.update(text_tower=True, tower_hidden=8, tower_epochs=3, tower_validation_fraction=0.2)
    model = fit_hybrid(world["events"], world["items"], world["emb"], config)
    assert model.tower is not None and model.meta["tower_validation_auc"][0][0] == 0
    loaded = load_model(tmp_path, save_model(tmp_path, model, data_hash="0" * 64, version_id="tower"))
    rows = np.arange(len(model.user_ids))
    np.testing.assert_array_equal(loaded.score(rows), model.score(rows))
    np.testing.assert_array_equal(loaded.recommend(model.user_ids)[0], model.recommend(model.user_ids)[0])
    items, emb = world["items"], world["emb"]
    for placed in (model, loaded):  # a cold item sits where the tower puts it, before and after the round trip
        cold = ~placed.warm
        rows_cold = items.set_index("item_id").loc[placed.item_ids[cold]].reset_index()
        position = pd.Series(np.arange(len(items)), index=items["item_id"]).loc[rows_cold["item_id"]].to_numpy()
        vectors, _ = placed.project(rows_cold, emb[position])
        np.testing.assert_allclose(placed.item_vectors[cold], vectors, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="at least one input"):
        config.update(projector_text=False, projector_attributes=False)
