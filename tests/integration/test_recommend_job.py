"""Recommend job on real Spark: one row per user with K distinct unseen items; a rerun of a date replaces it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from jobs import ingest, recommend
from lam_models import catalog
from lam_models.adapters.producers import movielens_messages, produce
from lam_models.datasets import fetch
from tests.conftest import make_settings
from tests.lake_tables import read

pytestmark = pytest.mark.integration


def run_date_rows(settings, table: str, run_date: str) -> pd.DataFrame:
    rows = read(catalog.path(settings.lake_root, table))
    return rows[rows["run_date"] == run_date].reset_index(drop=True)


def test_top_k_for_every_user_and_similar_items(broker, spark, tmp_path):
    from lam_models.adapters.kafka_admin import ensure_topics

    s = make_settings(tmp_path)
    s = s.model_copy(update={"recsys": s.recsys.model_copy(update={"max_epochs": 10, "no_components": 32, "k": 10})})
    ensure_topics(s)
    messages = movielens_messages(fetch("movielens_100k", s.data_dir))[:20_000]
    produce(s, s.topics.interactions, messages, progress=False)
    assert ingest.run("interactions", s).bronze == 20_000

    result = recommend.run(s, run_date=date(2024, 3, 5))

    recs = run_date_rows(s, "gold/recommendations", "2024-03-05")
    bronze = read(catalog.path(s.lake_root, "bronze/interactions"))
    assert len(recs) == result.users == bronze["user_id"].nunique() and recs["user_id"].is_unique
    assert all(len(items) == 10 and len(set(items)) == 10 for items in recs["items"])
    seen = bronze.groupby("user_id")["item_id"].agg(set)
    assert all(not (set(row.items) & seen[row.user_id]) for row in recs.itertuples()), "seen items are excluded"
    assert all(list(scores) == sorted(scores, reverse=True) for scores in recs["scores"])
    similar = run_date_rows(s, "gold/similar_items", "2024-03-05")
    assert len(similar) == result.items and result.cold_items > 0, "catalogue items without interactions are ranked too"

    recommend.run(s, run_date=date(2024, 3, 5))
    assert len(run_date_rows(s, "gold/recommendations", "2024-03-05")) == result.users, "a rerun replaces its run date's rows"
