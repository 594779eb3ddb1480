"""Topic inputs of the report: the topic model's table and per-topic daily volume / negatives from silver.

Silver files written before topics existed have no ``topic_id``: they are skipped, not an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lam_models import catalog
from lam_models import delta_tables

TREND_STEPS = ("D", "W-MON", "MS", "QS", "YS")
"""Bin sizes tried, finest first, for the per-topic trend (the first that fits ``max_points``)."""


def read_topic_model(registry_root: Path) -> dict[str, Any] | None:
    """``version``, ``stats`` and ``table`` (id, size, terms, examples) of the production (else newest) topic model."""
    from lam_models.registry.store import RegistryError
    from lam_models.topics.store import latest_version, load_model

    try:
        version = latest_version(registry_root)
        if version is None:
            return None
        model = load_model(registry_root, version)
    except RegistryError:
        return None
    return {"version": version, "stats": model.stats, "embedding_version": model.embedding_version,
            "table": model.table(), "terms": {int(i): t for i, t in zip(model.topic_ids, model.terms, strict=True)}}


def read_topic_daily(lake_root: Path) -> pd.DataFrame | None:
    """Headlines and negative headlines per (topic_id, UTC day) in ``silver/news``.

    Returns:
        ``topic_id`` (int, -1 included), ``day`` (UTC timestamp), ``count``, ``negative_count``
        (NaN where no headline of the bin has a sentiment label); None without topic columns.
    """
    dataset = delta_tables.dataset(catalog.SILVER_NEWS.path(lake_root))
    if dataset is None or "topic_id" not in dataset.schema.names:
        return None
    columns = ["published_at", "topic_id"] + (["label"] if "label" in dataset.schema.names else [])
    frame = dataset.to_table(columns=columns).to_pandas()
    if "label" not in frame:
        frame["label"] = None
    published = pd.to_datetime(frame["published_at"])
    published = published.dt.tz_localize("UTC") if published.dt.tz is None else published.dt.tz_convert("UTC")
    frame = frame.assign(day=published.dt.floor("D"), negative=(frame["label"] == "negative").astype(float),
                         labelled=frame["label"].notna())
    daily = frame.groupby(["topic_id", "day"]).agg(count=("negative", "size"), negative_count=("negative", "sum"),
                                                   labelled=("labelled", "sum")).reset_index()
    daily.loc[daily["labelled"] == 0, "negative_count"] = np.nan
    daily["topic_id"] = daily["topic_id"].astype(np.int64)
    return daily.drop(columns="labelled")


def topic_table(model: dict[str, Any] | None, daily: pd.DataFrame | None) -> pd.DataFrame | None:
    """The model's topic table with each topic's headlines and negative share in silver beside it."""
    if model is None:
        return None
    table = model["table"].copy()
    if daily is None:
        table["headlines"], table["negative_share"] = 0, np.nan
        return table
    sums = daily.groupby("topic_id").agg(headlines=("count", "sum"), negative=("negative_count", "sum"),
                                         labelled=("negative_count", lambda s: s.notna().any()))
    table = table.merge(sums, left_on="topic_id", right_index=True, how="left")
    table["headlines"] = table["headlines"].fillna(0).astype(np.int64)
    table["negative_share"] = np.where(table["labelled"].fillna(False).astype(bool),
                                       table["negative"] / table["headlines"].clip(lower=1), np.nan)
    return table.drop(columns=["negative", "labelled"])


def top_topics(daily: pd.DataFrame, most: int) -> list[int]:
    """The ``most`` topics with the most headlines (outliers excluded), ties by id."""
    volume = daily[daily["topic_id"] >= 0].groupby("topic_id")["count"].sum()
    return [int(t) for t in volume.sort_values(ascending=False, kind="stable").head(most).index]


def topic_trend(daily: pd.DataFrame, topics: list[int], max_points: int) -> tuple[pd.DataFrame, str]:
    """Per-topic volume and negative share in the finest bins that keep at most ``max_points`` per topic.

    Returns:
        (``topic_id``, ``start``, ``count``, ``negative_share`` with every bin present, 0 / NaN when
        empty) and the bin size used.
    """
    rows = daily[daily["topic_id"].isin(topics)]
    first, last = rows["day"].min(), rows["day"].max()
    step = next((s for s in TREND_STEPS if len(pd.date_range(first, last, freq=s)) <= max_points), TREND_STEPS[-1])
    binned = rows.assign(start=rows["day"].dt.tz_localize(None).dt.to_period(step.split("-")[0]).dt.start_time.dt.tz_localize("UTC"))
    sums = binned.groupby(["topic_id", "start"]).agg(count=("count", "sum"),
                                                    negative_count=("negative_count", lambda s: s.sum(min_count=1)))
    starts = pd.DatetimeIndex(sorted(binned["start"].unique()))
    full = sums.reindex(pd.MultiIndex.from_product([topics, starts], names=["topic_id", "start"])).reset_index()
    full["count"] = full["count"].fillna(0).astype(np.int64)
    full["negative_share"] = full["negative_count"] / full["count"].where(full["count"] > 0)
    return full[["topic_id", "start", "count", "negative_share"]], step
