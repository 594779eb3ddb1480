"""The re-ranking terms on real MovieLens-100k (popularity penalty, coverage bonus): off at 0, more coverage when on, saved with the model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.datasets import fetch
from lam_models.recsys import diversity, rank
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import ML100K_GENRES, read_ml100k_items, read_ml100k_ratings
from lam_models.recsys.evaluate import rerank_sweep
from lam_models.recsys.protocols import stratified_split
from lam_models.recsys.store import MODEL_NAME, load_model, save_model
from lam_models.registry import store as registry_store
from lam_models.recsys.train import fit_hybrid

PENALTY, BONUS = RecsysConfig().popularity_penalty, RecsysConfig().coverage_bonus
OFF = {"popularity_penalty": 0.0, "coverage_bonus": 0.0}


@pytest.fixture(scope="module")
def split(data_dir: Path) -> dict[str, object]:
    """The first 300 users of ML-100k split 75/25 (Recommenders protocol); genre one-hots stand in for text."""
    folder = fetch("movielens_100k", data_dir)
    items = read_ml100k_items(folder)
    ratings = read_ml100k_ratings(folder)
    train, test = stratified_split(ratings[ratings["user_id"] <= 300], 0.75, 42)
    emb = np.array([[g in row for g in ML100K_GENRES] for row in items["genres"]], dtype=np.float32) + 0.1
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    config = RecsysConfig(no_components=16, max_epochs=20, validation_fraction=0.0, text_codes=4, num_threads=1, **OFF)
    model = fit_hybrid(train, items, emb, config)
    position = pd.Series(np.arange(len(items)), index=items["item_id"]).loc[model.item_ids].to_numpy()
    return {"model": model, "test": test, "vectors": emb[position], "candidates": np.isin(model.item_ids, train["item_id"].unique())}


def _with_penalty(model, penalty: float, bonus: float = 0.0):
    return replace(model, config=model.config.update(popularity_penalty=penalty, coverage_bonus=bonus))


def test_zero_penalty_leaves_the_ranking_unchanged(split: dict) -> None:
    model = split["model"]
    scores = model.score(np.arange(50))
    assert diversity.rerank(scores, model.popularity, 0.0) is scores
    before = model.recommend(model.user_ids)[0]
    assert not np.array_equal(_with_penalty(model, PENALTY).recommend(model.user_ids)[0], before)
    np.testing.assert_array_equal(_with_penalty(_with_penalty(model, PENALTY), 0.0).recommend(model.user_ids)[0], before)


def test_the_penalty_and_then_the_bonus_raise_coverage_on_a_real_split(split: dict) -> None:
    settings = {"off": OFF, "penalty": {"popularity_penalty": PENALTY}, "both": {"popularity_penalty": PENALTY, "coverage_bonus": BONUS}}
    sweep = rerank_sweep(split["model"], split["test"], split["vectors"], settings, 10, split["candidates"])
    assert sweep["penalty"]["coverage"] > sweep["off"]["coverage"] * 1.05
    assert sweep["both"]["coverage"] > sweep["penalty"]["coverage"] * 1.05
    for name in ("penalty", "both"):
        assert sweep[name]["ndcg"] > 0.8 * sweep["off"]["ndcg"], "mild re-ranking re-orders near-ties, it does not wreck accuracy"
    with pytest.raises(ValueError, match="not re-ranking settings"):
        rerank_sweep(split["model"], split["test"], split["vectors"], {"x": {"no_components": 8}})


def test_the_coverage_bonus_favours_items_no_earlier_list_holds(split: dict) -> None:
    model = split["model"]
    rows = np.arange(len(model.user_ids))
    plain, _ = rank.top_k(model.score, rows, 10, model.seen)
    np.testing.assert_array_equal(diversity.top_k(model.score, rows, 10, 0.0, model.seen)[0], plain)
    boosted, _ = diversity.top_k(model.score, rows, 10, BONUS, model.seen)
    first = slice(0, diversity.COVERAGE_BATCH)
    np.testing.assert_array_equal(boosted[first], plain[first])  # nothing is shown yet: the bonus lifts every item alike
    assert len(np.unique(boosted)) > len(np.unique(plain))
    for u in range(len(rows)):  # seen items stay out of every list
        assert not np.isin(boosted[u], model.seen[u].indices).any()
    served = _with_penalty(model, 0.0, BONUS).recommend(model.user_ids)[0]
    np.testing.assert_array_equal(served, model.item_ids[boosted])


def test_reranking_a_batch_is_reranking_each_user(split: dict) -> None:
    model = split["model"]
    scores = model.score(np.arange(20))
    together = diversity.rerank(scores, model.popularity, PENALTY)
    one_by_one = np.vstack([diversity.rerank(scores[[u]], model.popularity, PENALTY) for u in range(20)])
    np.testing.assert_array_equal(together, one_by_one)


def test_a_loaded_version_ranks_like_the_trained_one_with_re_ranking_on(tmp_path: Path, split: dict) -> None:
    model = _with_penalty(split["model"], PENALTY, BONUS)
    loaded = load_model(tmp_path, save_model(tmp_path, model, data_hash="0" * 64, version_id="v1"))
    assert (loaded.config.popularity_penalty, loaded.config.coverage_bonus) == (PENALTY, BONUS)
    np.testing.assert_array_equal(loaded.popularity, model.popularity)
    rows = np.arange(len(model.user_ids))
    np.testing.assert_array_equal(loaded.score(rows), model.score(rows))
    for got, want in zip(loaded.recommend(model.user_ids), model.recommend(model.user_ids)):
        np.testing.assert_array_equal(got, want)


def test_the_config_rejects_negative_re_ranking() -> None:
    with pytest.raises(ValueError, match="popularity_penalty"):
        RecsysConfig(popularity_penalty=-0.1)
    with pytest.raises(ValueError, match="coverage_bonus"):
        RecsysConfig().update(coverage_bonus=-1.0)


def test_a_version_saved_before_the_reranker_loads_with_it_off(tmp_path: Path, split: dict) -> None:
    version = save_model(tmp_path, _with_penalty(split["model"], PENALTY, BONUS), data_hash="0" * 64, version_id="v0")
    folder = tmp_path / MODEL_NAME / "versions" / version
    config = json.loads((folder / "config.json").read_text())
    del config["popularity_penalty"], config["coverage_bonus"]
    (folder / "config.json").write_text(json.dumps(config))
    (folder / registry_store.MANIFEST).unlink()
    registry_store._write_manifest(folder)  # sealed as the older code would have written it
    loaded = load_model(tmp_path, version).config
    assert (loaded.popularity_penalty, loaded.coverage_bonus) == (0.0, 0.0)


def test_validation_ndcg_of_the_gate_is_measured_on_re_ranked_lists(data_dir: Path) -> None:
    """Same seed, one thread: LightFM trains identically, so the curves differ only by the re-ranking of the validation lists."""
    folder = fetch("movielens_100k", data_dir)
    items = read_ml100k_items(folder)
    ratings = read_ml100k_ratings(folder)
    train = ratings[ratings["user_id"] <= 150]
    emb = np.eye(len(items), 8, dtype=np.float32) + 0.1
    base = RecsysConfig(no_components=16, max_epochs=10, eval_every=5, patience=5, num_threads=1, neighbour_weight=0.0, text_codes=4, coverage_bonus=0.0)
    curves = {p: fit_hybrid(train, items, emb, base.update(popularity_penalty=p)).meta["validation_ndcg"] for p in (0.0, 3.0)}
    assert [e for e, _ in curves[0.0]] == [e for e, _ in curves[3.0]] == [5, 10]
    assert all(heavy < plain for (_, plain), (_, heavy) in zip(curves[0.0], curves[3.0])), "a heavy penalty must show in validation nDCG"
