"""Recommend job: bronze interactions -> hybrid LightFM + text model -> top-K and similar-items tables.

Spark reads the interactions; LightFM trains on the driver (it is a single-node library); the
tables are written per run date under deterministic names, so a rerun of a date replaces it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

from lam_models import catalog
from lam_models.adapters import delta, delta_spark
from lam_models.adapters.spark import get_spark
from lam_models.datasets import fetch
from lam_models.recsys import fit_hybrid, save_model
from lam_models.recsys.data import read_ml100k_items, read_ml_latest_items
from lam_models.recsys.item_text import embed_texts_cached, item_texts
from lam_models.settings import Settings, get_settings

CATALOGS = {"movielens_100k": read_ml100k_items, "movielens_latest_small": read_ml_latest_items}


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


def run(settings: Settings | None = None, run_date: date | None = None) -> RecommendResult:
    """Train on every bronze interaction and write top-K for all users + similar items for all items."""
    settings = settings or get_settings()
    began = time.perf_counter()
    run_date = run_date or datetime.now(timezone.utc).date()
    bronze = catalog.BRONZE["interactions"].path(settings.lake_root)
    if not delta.is_table(bronze):
        raise ValueError(f"no interactions in {bronze}: run `lam ingest interactions` first")
    spark = get_spark(settings, "lam-recommend")
    events = delta_spark.read(spark, bronze).selectExpr(
        "user_id", "item_id", "coalesce(rating, 5.0) as rating", "cast(unix_timestamp(ts) as double) as timestamp").toPandas()
    items = load_catalog(settings)
    model = fit_hybrid(events, items, embed_texts_cached(item_texts(items)), settings.recsys.to_config())
    version = save_model(model, settings.registry_root / "recsys").name
    k = model.config.k
    users = np.unique(events["user_id"].to_numpy())
    top, scores, _ = model.recommend(users, k)
    similar, similarity = model.similar_items(model.item_ids, k)
    stamp = run_date.isoformat()
    write_partition(settings, catalog.RECOMMENDATIONS, stamp, pd.DataFrame({
        "user_id": users, "items": [list(map(str, row)) for row in top], "scores": [list(map(float, row)) for row in scores],
        "model_version": version}))
    write_partition(settings, catalog.SIMILAR_ITEMS, stamp, pd.DataFrame({
        "item_id": model.item_ids.astype(str), "items": [list(map(str, row)) for row in similar],
        "scores": [list(map(float, row)) for row in similarity], "model_version": version}))
    return RecommendResult(run_date=stamp, users=len(users), items=len(model.item_ids), cold_items=int((~model.warm).sum()),
                           k=k, model=version, dropped=model.meta["clean"]["dropped"], seconds=round(time.perf_counter() - began, 3))


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
    return delta.write_frame(table.path(settings.lake_root), frame.assign(run_date=run_date), table.partition_by,
                             predicate=f"run_date = '{run_date}'")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-date", type=date.fromisoformat, default=None)
    print(f"recommend: {asdict(run(run_date=parser.parse_args(argv).run_date))}")


if __name__ == "__main__":
    main()
