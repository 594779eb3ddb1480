"""Recommend job: bronze interactions -> a gated hybrid recommender version -> top-K and similar-items tables.

Spark reads the interactions; LightFM trains on the driver (it is a single-node library). A new
version is trained only when the interactions or the settings changed since the newest version was
trained (an empty day trains nothing; a rejected or rolled-back version is not retrained), is written to the registry (``recsys``) and becomes production only through the
gate (``recsys.lifecycle``). The tables are always written from the production version (so a
rollback is what the next run serves), per run date under deterministic names: a rerun replaces it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from lam_models import catalog
from lam_models import delta_tables
from lam_models.adapters import delta_spark
from lam_models.datasets import fetch
from lam_models.recsys import fit_hybrid, load_model, save_model
from lam_models.recsys.data import read_ml100k_items, read_ml_latest_items
from lam_models.recsys.hybrid import HybridRecommender
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.recsys.lifecycle import gate_policy, interactions_hash, summary, version_metrics
from lam_models.recsys.store import MODEL_NAME
from lam_models.registry.gate import promote_if_passing
from lam_models.registry.pointers import production_version
from lam_models.registry.store import list_versions, read_json
from lam_models.settings import Settings, get_settings

CATALOGS = {"movielens_100k": read_ml100k_items, "movielens_latest_small": read_ml_latest_items}
Catalogue = tuple[pd.DataFrame, np.ndarray]
"""Items (string ids) and their float32 text embeddings, row-aligned."""


@dataclass
class RecommendResult:
    run_date: str = ""
    users: int = 0
    items: int = 0
    cold_items: int = 0
    k: int = 0
    model: str | None = None
    dropped: dict = field(default_factory=dict)
    seconds: float = 0.0
    candidate: str | None = None
    promoted: bool = False
    gate: str | None = None
    skipped: str | None = None


def run(settings: Settings | None = None, run_date: date | None = None, events: pd.DataFrame | None = None,
        catalogue: Catalogue | None = None) -> RecommendResult:
    """Train a candidate when the interactions changed, gate it, and write top-K for all users + similar
    items for all items from the production version.

    Args:
        events: ``user_id, item_id, event, rating, timestamp`` (default: every bronze interaction, read by Spark).
        catalogue: items and their embeddings (default: ``settings.recsys_catalog``, embedded by ``recsys.item_text_model``).
    """
    settings = settings or get_settings()
    began = time.perf_counter()
    stamp = (run_date or datetime.now(timezone.utc).date()).isoformat()
    events = read_events(settings) if events is None else events
    root, result = settings.registry_root, RecommendResult(run_date=stamp)
    if events.empty:
        result.skipped, result.model = "no interactions: nothing trained", production_version(root, MODEL_NAME)
        return result
    production, config = production_version(root, MODEL_NAME), settings.recsys
    digest, model = interactions_hash(events), None
    newest = list_versions(root, MODEL_NAME, summary)[-1:]
    if newest and trained_on(root, newest[0].version_id) == (digest, config.model_dump(mode="json")):
        result.skipped = f"no new interactions since {newest[0].version_id} was trained: nothing trained"
    else:
        items, embeddings = catalogue if catalogue is not None else load_catalogue(settings)
        model = fit_hybrid(events, items, embeddings, config)
        result.candidate = save_model(root, model, data_hash=digest, metrics=version_metrics(model), parent=production)
        decision = promote_if_passing(root, result.candidate, gate_policy(config), MODEL_NAME, "nightly recommend")
        result.promoted, result.gate = decision.passed, decision.reason
    result.model = production_version(root, MODEL_NAME)
    if result.model is None:
        result.skipped = "no production recommender: the first candidate did not pass the gate"
        return result
    if model is None or result.model != result.candidate:  # serve production, whatever was trained tonight
        model = load_model(root, result.model)
    users = np.unique(events["user_id"].to_numpy())
    write_tables(settings, model, result.model, users, stamp)
    result.users, result.items, result.k = len(users), len(model.item_ids), model.config.k
    result.cold_items, result.dropped = int((~model.warm).sum()), model.meta["clean"]["dropped"]
    result.seconds = round(time.perf_counter() - began, 3)
    return result


def trained_on(root: Path, version: str) -> tuple[str, dict]:
    """The data hash and the config a recommender version was trained with."""
    return (read_json(root, version, "version.json", MODEL_NAME).get("data_hash", ""),
            read_json(root, version, "config.json", MODEL_NAME))


def read_events(settings: Settings) -> pd.DataFrame:
    """Every bronze interaction as ``user_id, item_id, event, rating, timestamp`` (Spark); the trainer turns
    each event type into its strength (``recsys.events``): a view is not a 5-star rating."""
    from lam_models.adapters.spark import get_spark

    bronze = catalog.BRONZE["interactions"].path(settings.lake_root)
    if not delta_tables.is_table(bronze):
        raise ValueError(f"no interactions in {bronze}: run `lam ingest interactions` first")
    spark = get_spark(settings, "lam-recommend")
    return delta_spark.read(spark, bronze).selectExpr(
        "user_id", "item_id", "event", "rating", "cast(unix_timestamp(ts) as double) as timestamp").toPandas()


def write_tables(settings: Settings, model: HybridRecommender, version: str, users: np.ndarray, stamp: str) -> None:
    """The run date's ``gold/recommendations`` (top-K of ``users``) and ``gold/similar_items`` partitions."""
    top, scores, _ = model.recommend(users, model.config.k)
    similar, similarity = model.similar_items(model.item_ids, model.config.k)
    write_partition(settings, catalog.RECOMMENDATIONS, stamp, pd.DataFrame({
        "user_id": users, "items": [list(map(str, row)) for row in top], "scores": [list(map(float, row)) for row in scores],
        "model_version": version}))
    write_partition(settings, catalog.SIMILAR_ITEMS, stamp, pd.DataFrame({
        "item_id": model.item_ids.astype(str), "items": [list(map(str, row)) for row in similar],
        "scores": [list(map(float, row)) for row in similarity], "model_version": version}))


def load_catalogue(settings: Settings) -> Catalogue:
    """The item catalogue and the ``recsys.item_text_model`` embeddings of its item texts (cached on disk)."""
    items = load_catalog(settings)
    return items, embed_texts_cached(item_texts(items), model=settings.recsys.item_text_model)


def load_catalog(settings: Settings) -> pd.DataFrame:
    """Item catalogue with string ids: a known dataset, or a CSV of ``item_id,title,genres,year``."""
    name = settings.recsys_catalog
    if name in CATALOGS:
        items = CATALOGS[name](fetch(name, settings.data_dir))
    else:
        items = pd.read_csv(name)
        missing = {"item_id", "title"} - set(items.columns)
        if missing:
            raise ValueError(f"{name}: item catalogue lacks columns {sorted(missing)} (need item_id,title[,genres,year])")
        items["genres"] = items.get("genres", pd.Series([""] * len(items))).fillna("").map(lambda g: tuple(x for x in str(g).split("|") if x))
        items["year"] = pd.to_numeric(items.get("year", np.nan), errors="coerce")
        items["tags"], items["release"] = [()] * len(items), pd.NaT
    return items.assign(item_id=items["item_id"].astype(str))


def write_partition(settings: Settings, table: catalog.Table, run_date: str, frame: pd.DataFrame) -> int:
    """Replace the ``run_date`` partition of ``table`` with ``frame`` in one Delta commit; returns the table version."""
    return delta_tables.write_frame(table.path(settings.lake_root), frame.assign(run_date=run_date), table.partition_by,
                             predicate=f"run_date = '{run_date}'")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-date", type=date.fromisoformat, default=None)
    print(f"recommend: {asdict(run(run_date=parser.parse_args(argv).run_date))}")


if __name__ == "__main__":
    main()
