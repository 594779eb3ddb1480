"""Evaluation protocols x models on MovieLens: the table behind ``lam eval recommender``.

Protocols: ``ua_all`` (official ua split, every rating positive), ``ua_4`` (ua split, ratings >= 4
positive), ``ub_all`` (the other official split), ``recommenders`` (Microsoft Recommenders 75/25 per user, seed 42, candidates = items in
train) and ``cold_items`` (20% of items held out; only they are ranked). Models: popularity,
pure LightFM, pure content and the hybrid. Every metric is averaged over users with at least one
test positive among the candidates; seen items are never recommended. The ``ua``/``ub`` splits ship
with MovieLens-100k only; ``recommenders`` and ``cold_items`` run on any MovieLens release
(``data.read_movielens``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lam_models.recsys import baselines, diversity, metrics, rank
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import read_movielens
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.recsys.protocols import cold_item_split, official_split, stratified_split
from lam_models.recsys.hybrid import HybridRecommender
from lam_models.recsys.train import fit_hybrid

PROTOCOLS = ("ua_all", "ua_4", "ub_all", "recommenders", "cold_items")
MODELS = ("popularity", "lightfm", "content", "hybrid")
EmbedFn = Callable[[list[str]], np.ndarray]


def evaluate_model(
    model: baselines.Recommender,
    test: pd.DataFrame,
    item_vectors: np.ndarray,
    k: int = 10,
    candidates: np.ndarray | None = None,
) -> dict[str, float]:
    """P@k, R@k, nDCG@k, MAP@k, AUC, coverage, diversity and the time to rank every user.

    Args:
        model: a fitted recommender.
        test: positives (``user_id``, ``item_id``); unknown users/items are ignored.
        item_vectors: float (n_items, d) text embeddings in the model's catalogue order (diversity).
        k: list length.
        candidates: bool (n_items,) items that may be recommended (default: all).
    """
    user_index = pd.Series(np.arange(len(model.user_ids)), index=model.user_ids)
    item_index = pd.Series(np.arange(len(model.item_ids)), index=model.item_ids)
    test = test[test["user_id"].isin(user_index.index) & test["item_id"].isin(item_index.index)]
    truth = sp.csr_matrix(
        (np.ones(len(test)), (user_index.loc[test["user_id"]].to_numpy(), item_index.loc[test["item_id"]].to_numpy())),
        shape=(len(model.user_ids), len(model.item_ids)),
    )  # fmt: skip
    if candidates is not None:
        truth = sp.csr_matrix(truth.multiply(np.asarray(candidates, dtype=np.float64)[None, :]))
    started = time.perf_counter()
    bonus = model.config.coverage_bonus if isinstance(model, HybridRecommender) else 0.0
    top_all, _ = diversity.top_k(model.score, np.arange(len(model.user_ids)), k, bonus, model.seen, candidates)
    rank_seconds = time.perf_counter() - started
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    top, user_truth = top_all[users], truth[users]
    scores = rank.masked_scores(model.score, users, model.seen, candidates)
    n_candidates = len(model.item_ids) if candidates is None else int(np.sum(candidates))
    full = top[(top >= 0).all(1)]
    return {
        "users": len(users),
        "precision": float(np.nanmean(metrics.precision_at_k(top, user_truth))),
        "recall": float(np.nanmean(metrics.recall_at_k(top, user_truth))),
        "ndcg": float(np.nanmean(metrics.ndcg_at_k(top, user_truth))),
        "map": float(np.nanmean(metrics.map_at_k(top, user_truth))),
        "auc": float(np.nanmean(metrics.auc_score(scores, user_truth))),
        "coverage": metrics.catalogue_coverage(top, n_candidates),
        "diversity": float(np.mean(metrics.intra_list_diversity(full, item_vectors))) if len(full) else float("nan"),
        "rank_seconds": rank_seconds,
    }


RERANK_SETTINGS = ("popularity_penalty", "coverage_bonus")


def rerank_sweep(
    model: HybridRecommender,
    test: pd.DataFrame,
    item_vectors: np.ndarray,
    settings: Mapping[str, Mapping[str, float]],
    k: int = 10,
    candidates: np.ndarray | None = None,
) -> dict[str, dict[str, float]]:
    """:func:`evaluate_model` of one fitted hybrid under each named setting of its re-ranking terms (no refit: they only re-rank).

    Args:
        settings: {name: values of :data:`RERANK_SETTINGS` (unnamed ones keep the model's)}.

    Returns:
        {name: metrics}, in the order of ``settings``.
    """
    unknown = {key for values in settings.values() for key in values} - set(RERANK_SETTINGS)
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not re-ranking settings: choose from {RERANK_SETTINGS}")
    return {
        name: evaluate_model(replace(model, config=model.config.update(**values)), test, item_vectors, k, candidates)
        for name, values in settings.items()
    }


def run_protocol(
    train: pd.DataFrame,
    test: pd.DataFrame,
    items: pd.DataFrame,
    embeddings: np.ndarray,
    config: RecsysConfig,
    candidate_ids: np.ndarray | None = None,
    models: Sequence[str] = MODELS,
) -> dict[str, dict[str, Any]]:
    """Fit each model on ``train`` and evaluate it on ``test``.

    Args:
        train, test: interactions; test rows are the positives.
        items: full catalogue; embeddings: float32 (len(items), d) aligned with it.
        config: hybrid hyperparameters (pure LightFM uses them with text off).
        candidate_ids: item ids that may be recommended (default: the whole catalogue).
        models: subset of :data:`MODELS`.

    Returns:
        {model name: metrics + ``fit_seconds`` (wall) and ``fit_cpu_seconds`` (all threads; on a
        shared machine, CPU seconds / threads is the uncontended wall time) (+ ``epochs``)}.
    """
    position = pd.Series(np.arange(len(items)), index=items["item_id"].to_numpy())
    results: dict[str, dict[str, Any]] = {}
    for name in models:
        started, cpu_started = time.perf_counter(), time.process_time()
        extra: dict[str, Any] = {}
        if name == "popularity":
            model: baselines.Recommender = baselines.fit_popularity(train, items["item_id"].to_numpy())
        elif name == "content":
            model = baselines.fit_content(train, items, embeddings)
        elif name in ("lightfm", "hybrid"):
            fitted = fit_hybrid(train, items, embeddings, config if name == "hybrid" else baselines.pure_lightfm_config(config))
            extra = {"epochs": fitted.meta["epochs"]}
            model = fitted
        else:
            raise ValueError(f"unknown model {name!r}: choose from {MODELS}")
        fit_seconds, fit_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        candidates = None if candidate_ids is None else np.isin(model.item_ids, candidate_ids)
        vectors = embeddings[position.loc[model.item_ids].to_numpy()]
        results[name] = {**evaluate_model(model, test, vectors, config.k, candidates), "fit_seconds": fit_seconds, "fit_cpu_seconds": fit_cpu_seconds, **extra}
    return results


def evaluate_recommenders(
    data_dir: Path,
    config: RecsysConfig | None = None,
    protocols: Sequence[str] = PROTOCOLS,
    models: Sequence[str] = MODELS,
    embed_fn: EmbedFn | None = None,
    dataset: str = "movielens_100k",
) -> dict[str, Any]:
    """Every protocol x model on a MovieLens release under ``data_dir`` (verified with ``datasets.fetch``).

    Args:
        data_dir: folder holding the ``dataset`` folder.
        config: hybrid hyperparameters (default :class:`RecsysConfig`).
        protocols: subset of :data:`PROTOCOLS`.
        models: subset of :data:`MODELS`.
        embed_fn: texts -> float32 (n, d) unit vectors; default: the cached ``config.item_text_model`` embeddings.
        dataset: a name of ``data.MOVIELENS_READERS``.

    Returns:
        ``{"config": ..., "dataset": ..., "protocols": {protocol: {model: metrics}}}``.
    """
    from lam_models.datasets import fetch

    config = config or RecsysConfig()
    folder = fetch(dataset, Path(data_dir))
    ratings, items = read_movielens(dataset, folder)
    texts = item_texts(items)
    embeddings = np.asarray(embed_fn(texts) if embed_fn else embed_texts_cached(texts, model=config.item_text_model), dtype=np.float32)
    out: dict[str, Any] = {"config": config.model_dump(mode="json"), "dataset": dataset, "protocols": {}}
    for protocol in protocols:
        train, test, candidates = protocol_split(protocol, folder, ratings, items)
        out["protocols"][protocol] = run_protocol(train, test, items, embeddings, config, candidates, models)
    return out


def protocol_split(
    protocol: str, folder: Path, ratings: pd.DataFrame, items: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
    """(train, test positives, candidate item ids or None = all) of one of :data:`PROTOCOLS`.

    Args:
        protocol: a name of :data:`PROTOCOLS`.
        folder: the dataset folder (the ``ua``/``ub`` files of MovieLens-100k).
        ratings: all interactions of the dataset; items: its catalogue.
    """
    if protocol in ("ua_all", "ua_4", "ub_all"):
        train, test = official_split(folder, protocol[:2])
        return train, test[test["rating"] >= 4] if protocol == "ua_4" else test, None
    if protocol == "recommenders":
        train, test = stratified_split(ratings, 0.75, 42)
        return train, test, train["item_id"].unique()
    if protocol == "cold_items":
        train, test, cold = cold_item_split(ratings, items["item_id"].to_numpy(), 0.2, 0)
        return train, test, cold
    raise ValueError(f"unknown protocol {protocol!r}: choose from {PROTOCOLS}")
