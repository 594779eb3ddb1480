"""Which silver files a range re-score must rewrite: pure rules, so the backfill's plan is testable without Spark.

A silver row belongs to the range ``[start, end)`` by its event time (``published_at``, the replay
producers' broker timestamp); a file is stale when one of its rows in the range carries another
model version than the pinned one. Files are partitioned by ``event_date``, so only the partitions of
the range's dates are read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

PARTITION = "event_date="


def range_dates(start: datetime, end: datetime) -> list[date]:
    """The UTC dates ``[start, end)`` touches (``end`` exclusive)."""
    last = (end - timedelta(microseconds=1)).date()
    return [start.date() + timedelta(days=i) for i in range((last - start.date()).days + 1)]


def in_range(published_at: pd.Series, start: datetime, end: datetime) -> pd.Series:
    """Boolean mask of the timestamps in ``[start, end)``; naive values are taken as UTC."""
    times = pd.to_datetime(published_at)
    times = times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")
    return (times >= pd.Timestamp(start)) & (times < pd.Timestamp(end))


def is_stale(rows: pd.DataFrame, start: datetime, end: datetime, version: str) -> bool:
    """Whether ``rows`` (``published_at``, ``model_version``) hold a row of the range scored by another version."""
    mask = in_range(rows["published_at"], start, end)
    return bool((rows.loc[mask, "model_version"] != version).any())


def stale_files(table: Path, files: list[Path], start: datetime, end: datetime, version: str) -> list[str]:
    """The files (relative to ``table``) of the range's partitions holding a stale row, sorted."""
    dates = {f"{PARTITION}{day.isoformat()}" for day in range_dates(start, end)}
    stale = []
    for path in files:
        relative = path.relative_to(table)
        if relative.parts[0] in dates and is_stale(pd.read_parquet(path, columns=["published_at", "model_version"]), start, end, version):
            stale.append(str(relative))
    return sorted(stale)
