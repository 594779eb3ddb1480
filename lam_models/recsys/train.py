"""Fit the hybrid: LightFM with early stopping on validation nDCG, then the text projector and EASE.

Phases, in order: clean events -> featurise items -> LightFM epochs on a per-user validation split
(stop when nDCG@k stops improving) -> all events: ``finish_epochs`` more from the best epoch (or a
full ``refit``) -> ridge projector from text/attributes to the latent space, fitted on warm items,
with the behaviour-trained text tower when ``text_tower`` is on (``place_items``) -> item neighbourhood.
"""

from __future__ import annotations

import copy
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

from lam_models.recsys import diversity, metrics, rank
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.data import EmptyInteractionsError, clean_interactions
from lam_models.recsys.events import event_strengths, sample_weights
from lam_models.recsys.features import FeatureSet, ItemFeaturizer, build_feature_set
from lam_models.recsys.hybrid import HybridRecommender, Neighbourhood
from lam_models.recsys.projector import fit_projector, leave_one_out_alpha
from lam_models.recsys.protocols import validation_split
from lam_models.recsys.text_tower import fit_text_tower


def fit_hybrid(
    events: pd.DataFrame,
    items: pd.DataFrame,
    embeddings: np.ndarray,
    config: RecsysConfig | None = None,
    rating_range: tuple[float, float] = (0.5, 5.0),
) -> HybridRecommender:
    """Train the hybrid recommender on interactions and the item catalogue.

    Args:
        events: interactions ``user_id, item_id, rating[, event][, timestamp]`` (cleaned here, reasons
            counted); with ``event``, implicit events count as their configured strength (``recsys.events``).
        items: catalogue (``item_id, genres, year, release``); items without events are cold.
        embeddings: float32 (len(items), d) text embeddings aligned with ``items``.
        config: hyperparameters (default :class:`RecsysConfig`).
        rating_range: valid ratings; the upper bound maps to sample weight 1.

    Returns:
        The fitted :class:`HybridRecommender`; ``meta`` holds the cleaning report, validation
        curve, chosen epochs and fit seconds.

    Raises:
        EmptyInteractionsError: no usable interaction.
        ValueError: an unknown event type, or items and embeddings that do not line up.
    """
    config = config or RecsysConfig()
    started = time.perf_counter()
    if len(embeddings) != len(items):
        raise ValueError(f"embeddings have {len(embeddings)} rows but items {len(items)}: they must be aligned")
    if items["item_id"].duplicated().any():
        raise ValueError("items has duplicate item_id rows: keep one row (and one embedding) per item")
    events, dropped = _clean_events(events, items, rating_range, config)
    reference_day = float(events["timestamp"].max()) / 86400.0 if "timestamp" in events.columns else 0.0
    featurizer = ItemFeaturizer.fit(items, embeddings, reference_day, config)
    tokens = featurizer.tokens(items, embeddings, config.lightfm_item_features)
    full = build_feature_set(events, items, tokens, config, rating_range[1])

    model, curve, epochs = _train_lightfm(full, events, config, rating_range[1])

    item_vectors = np.asarray(full.item_features @ model.item_embeddings, dtype=np.float32)
    item_biases = np.asarray(full.item_features @ model.item_biases, dtype=np.float32)
    user_ids = np.array(list(full.dataset.mapping()[0].keys()))
    item_ids = np.array(list(full.dataset.mapping()[2].keys()))
    seen = sp.csr_matrix(full.interactions, dtype=np.float32)
    hybrid = HybridRecommender(
        config=config, user_ids=user_ids, item_ids=item_ids,
        user_vectors=model.user_embeddings.astype(np.float32), user_biases=model.user_biases.astype(np.float32),
        item_vectors=item_vectors, item_biases=item_biases, warm=np.isin(item_ids, events["item_id"].unique()), seen=seen,
        popularity=np.asarray(seen.sum(0), dtype=np.float32).ravel(), projector=np.zeros((0, 0), np.float32), featurizer=featurizer,
        lightfm_state={
            "item_embeddings": model.item_embeddings, "item_biases": model.item_biases,
            "user_embeddings": model.user_embeddings, "user_biases": model.user_biases,
            "item_features": full.item_features, "item_feature_names": np.array(list(full.dataset.mapping()[3].keys()), dtype=str),
        },
    )  # fmt: skip
    hybrid = place_items(hybrid, items, embeddings)  # cold items are placed by their text, not by untrained features
    if config.neighbour_weight > 0:
        hybrid = _with_neighbourhood(hybrid)
    hybrid.meta.update({
        "clean": {"kept": len(events), "dropped": dropped}, "validation_ndcg": curve, "epochs": epochs,
        "n_users": len(user_ids), "n_items": len(item_ids), "n_cold_items": int((~hybrid.warm).sum()),
        "fit_seconds": round(time.perf_counter() - started, 3),
    })  # fmt: skip
    return hybrid


def place_items(model: HybridRecommender, items: pd.DataFrame, embeddings: np.ndarray, config: RecsysConfig | None = None) -> HybridRecommender:
    """``model`` with its projector (and tower) fitted under ``config`` and its cold items placed by them.

    The one cold-item placement step: training and the benchmark's item-side comparisons (text only /
    attributes only / both, frozen / adapted) share it and, in the benchmark, one LightFM fit.

    Args:
        model: a fitted hybrid whose warm rows of ``item_vectors``/``item_biases`` are LightFM's.
        items: catalogue frame holding every ``model.item_ids``; embeddings: float32 (len(items), d) aligned with it.
        config: item-side settings (default ``model.config``); the returned model carries it.
    """
    config = config or model.config
    position = pd.Series(np.arange(len(items)), index=items["item_id"].to_numpy()).loc[model.item_ids].to_numpy()
    rows = items.iloc[position].reset_index(drop=True)
    design = model.featurizer.design(rows, embeddings[position], config.projector_text, config.projector_attributes)
    targets = np.hstack([model.item_vectors, model.item_biases[:, None]])
    weights = np.log1p(model.popularity)
    warm = model.warm
    alpha = config.projector_alpha
    if alpha == "auto":
        alpha, _ = leave_one_out_alpha(design[warm], targets[warm], weights[warm])
    projector = fit_projector(design[warm], targets[warm], alpha, weights[warm])
    tower, meta = None, {**model.meta, "projector_alpha": alpha}
    if config.text_tower:
        tower, meta["tower_validation_auc"] = fit_text_tower(design, targets, weights, warm, model.user_vectors, model.seen,
                                                             config.update(projector_alpha=alpha))
    placed = replace(model, config=config, projector=projector, tower=tower, meta=meta)
    if not config.project_cold_items or warm.all():
        return placed
    vectors, biases = placed.project(rows[~warm], embeddings[position][~warm])
    item_vectors, item_biases = model.item_vectors.copy(), model.item_biases.copy()
    item_vectors[~warm], item_biases[~warm] = vectors, biases
    return replace(placed, item_vectors=item_vectors, item_biases=item_biases)


def _clean_events(events: pd.DataFrame, items: pd.DataFrame, rating_range: tuple[float, float],
                  config: RecsysConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """Cleaned events (event types turned into strengths) on catalogue items, and the count dropped per reason."""
    events, weaker = event_strengths(events, config)
    events, report = clean_interactions(events, rating_range)
    dropped = {**weaker, **report.dropped}
    unknown = ~events["item_id"].isin(set(items["item_id"].tolist()))
    if unknown.any():
        dropped["item_id not in the item table"] = int(unknown.sum())
        events = events[~unknown]
        if events.empty:
            raise EmptyInteractionsError("no interaction refers to an item of the item table: check that the ids match")
    return events, dropped


def _train_lightfm(full: FeatureSet, events: pd.DataFrame, config: RecsysConfig, max_rating: float) -> tuple[LightFM, list[tuple[int, float]], int]:
    """Early stopping on a per-user validation split, then all events: retrained for the best epoch count
    (``refit``), or the best epoch's model trained ``finish_epochs`` more on all events (half the cost:
    the held-out interactions still shape the user vectors, without training everything twice)."""
    curve: list[tuple[int, float]] = []
    epochs = config.max_epochs
    fit_events, val_events = validation_split(events, config.validation_fraction, config.seed)
    validate = config.validation_fraction > 0 and not val_events.empty  # tiny data: nothing to hold out
    if validate:
        model, curve, epochs = _fit_early_stopping(full, fit_events, val_events, config, max_rating)
    if config.refit or not validate:
        model = _new_model(config)
    for _ in range(epochs if config.refit or not validate else config.finish_epochs):
        model.fit_partial(full.interactions, item_features=full.item_features, sample_weight=full.weights, epochs=1, num_threads=config.num_threads)
    _check_finite(model)
    return model, curve, epochs


def _new_model(config: RecsysConfig) -> LightFM:
    return LightFM(
        no_components=config.no_components, loss=config.loss, learning_rate=config.learning_rate,
        item_alpha=config.item_alpha, user_alpha=config.user_alpha, max_sampled=config.max_sampled, random_state=config.seed,
    )  # fmt: skip


def _fit_early_stopping(
    full: FeatureSet, fit_events: pd.DataFrame, val_events: pd.DataFrame, config: RecsysConfig, max_rating: float
) -> tuple[LightFM, list[tuple[int, float]], int]:
    """Train on ``fit_events``; every ``eval_every`` epochs score nDCG@k on ``val_events``; stop on no gain.

    Returns the model as it was at the best evaluation (a copy), its curve and its epoch count.

    The validation lists are re-ranked by ``config.popularity_penalty`` (popularity counted on
    ``fit_events``) and ``config.coverage_bonus`` as served lists are, so the curve, the chosen epochs and the gate's
    ``validation_ndcg`` measure what users get.
    """
    user_map, _, item_map, _ = full.dataset.mapping()
    weight = sample_weights(fit_events, config, max_rating)
    inter, weights = full.dataset.build_interactions(zip(fit_events["user_id"].tolist(), fit_events["item_id"].tolist(), weight.tolist()))
    truth = sp.csr_matrix(
        (np.ones(len(val_events)), (val_events["user_id"].map(user_map).to_numpy(), val_events["item_id"].map(item_map).to_numpy())),
        shape=inter.shape,
    )  # fmt: skip
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    exclude = inter.tocsr()
    popularity = np.asarray(exclude.getnnz(axis=0), dtype=np.float32)
    model, curve = _new_model(config), []
    best, best_epoch, stale, best_model = -1.0, config.eval_every, 0, model
    for epoch in range(1, config.max_epochs + 1):
        model.fit_partial(inter, item_features=full.item_features, sample_weight=weights, epochs=1, num_threads=config.num_threads)
        if epoch % config.eval_every and epoch != config.max_epochs:
            continue
        ib, ie = model.get_item_representations(full.item_features)

        def score(rows: np.ndarray, ie: np.ndarray = ie, ib: np.ndarray = ib) -> np.ndarray:
            scores = rank.latent_scores(model.user_embeddings[rows], model.user_biases[rows], ie, ib)
            return diversity.rerank(scores, popularity, config.popularity_penalty)

        top, _ = diversity.top_k(score, users, config.k, config.coverage_bonus, exclude)
        ndcg = float(np.nanmean(metrics.ndcg_at_k(top, truth[users])))
        curve.append((epoch, round(ndcg, 5)))
        if ndcg > best + 1e-4:
            best, best_epoch, stale, best_model = ndcg, epoch, 0, copy.deepcopy(model)
        else:
            stale += 1
            if stale >= config.patience:
                break
    return best_model, curve, best_epoch


def _with_neighbourhood(model: HybridRecommender) -> HybridRecommender:
    """EASE (closed form) on the most popular warm items; scales make its scores comparable to LightFM's."""
    config = model.config
    warm = np.flatnonzero(model.warm)
    chosen = np.sort(warm[np.argsort(-model.popularity[warm], kind="stable")[: config.neighbour_max_items]])
    x = model.seen[:, chosen].astype(np.float64)
    gram = (x.T @ x).toarray() + config.neighbour_lambda * np.eye(len(chosen))
    inverse = np.linalg.inv(gram)
    weights = (-inverse / np.diag(inverse)).astype(np.float32)
    np.fill_diagonal(weights, 0.0)
    sample = np.arange(min(len(model.user_ids), 2000))
    latent = rank.latent_scores(model.user_vectors[sample], model.user_biases[sample], model.item_vectors, model.item_biases)
    blend = np.asarray(x[sample] @ weights)
    scales = np.array([latent.std() + 1e-12, blend.std() + 1e-12])
    model.meta["neighbour_items"] = len(chosen)
    return HybridRecommender(**{**model.__dict__, "neighbourhood": Neighbourhood(chosen, weights, scales)})


def _check_finite(model: LightFM) -> None:
    if not (np.isfinite(model.item_embeddings).all() and np.isfinite(model.user_embeddings).all()):
        raise ValueError("LightFM diverged (non-finite embeddings): lower learning_rate or raise item_alpha/user_alpha")
