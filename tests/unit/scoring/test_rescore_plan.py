"""The range re-score plan: which silver files hold a row of ``[start, end)`` scored by another version."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from lam_models.scoring.rescore import in_range, is_stale, range_dates, stale_files

UTC = timezone.utc
START, END = datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 6, tzinfo=UTC)


def test_range_dates_are_the_utc_days_touched_with_end_exclusive() -> None:
    assert range_dates(START, END) == [date(2024, 3, 4), date(2024, 3, 5)]
    assert range_dates(datetime(2024, 3, 4, 23, tzinfo=UTC), datetime(2024, 3, 5, 0, 1, tzinfo=UTC)) == [date(2024, 3, 4), date(2024, 3, 5)]
    assert range_dates(datetime(2024, 3, 4, 1, tzinfo=UTC), datetime(2024, 3, 4, 2, tzinfo=UTC)) == [date(2024, 3, 4)]


def test_in_range_takes_naive_times_as_utc_and_excludes_the_end() -> None:
    naive = pd.Series(pd.to_datetime(["2024-03-03 23:59:59", "2024-03-04 00:00:00", "2024-03-05 23:59:59", "2024-03-06 00:00:00"]))
    assert in_range(naive, START, END).tolist() == [False, True, True, False]
    aware = naive.dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    assert in_range(aware, START, END).tolist() == [False, True, True, False]


def _write(path: Path, times: list[str], versions: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"published_at": pd.to_datetime(times, utc=True), "model_version": versions}).to_parquet(path)
    return path


def test_stale_files_are_those_with_a_range_row_of_another_version(tmp_path: Path) -> None:
    table = tmp_path / "silver"
    files = [
        _write(table / "event_date=2024-03-04" / "part-a-00000.parquet", ["2024-03-04T10:00Z", "2024-03-04T11:00Z"], ["v1", "v2"]),
        _write(table / "event_date=2024-03-05" / "part-b-00000.parquet", ["2024-03-05T10:00Z"], ["v2"]),
        _write(table / "event_date=2024-03-06" / "part-c-00000.parquet", ["2024-03-06T10:00Z"], ["v1"]),  # outside the range
    ]
    assert stale_files(table, files, START, END, "v2") == ["event_date=2024-03-04/part-a-00000.parquet"]
    assert stale_files(table, files, START, END, "v1") == ["event_date=2024-03-04/part-a-00000.parquet", "event_date=2024-03-05/part-b-00000.parquet"]
    assert not is_stale(pd.read_parquet(files[0]), datetime(2024, 3, 4, 10, 30, tzinfo=UTC), END, "v2"), "the v1 row is before the range"
