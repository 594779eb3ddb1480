"""The report names the table versions each backfill and re-score read (from their Delta commits)."""

from __future__ import annotations

import pandas as pd

from lam_models import catalog
from lam_models.report.collect import collect
from lam_models.report.html import render_report
from lam_models.report.lineage import read_lineage
from tests.lake_tables import append

WINDOW = ["2024-01-01T00:00:00+00:00", "2024-01-08T00:00:00+00:00"]


def test_backfills_and_rescores_are_listed_with_the_versions_they_read(tmp_path):
    lake = tmp_path / "lake"
    bronze, silver = catalog.BRONZE["news"].path(lake), catalog.SILVER_NEWS.path(lake)
    append(bronze, pd.DataFrame({"kafka_offset": [0]}), metadata={"job": "ingest", "name": "news"})  # nightly: not listed
    append(bronze, pd.DataFrame({"kafka_offset": [1]}), metadata={
        "job": "ingest", "name": "news-backfill", "window": WINDOW, "read_versions": {"bronze/news": 0, "deadletter": None}})
    append(silver, pd.DataFrame({"id": ["a"]}), metadata={"job": "score", "name": "news"})
    append(silver, pd.DataFrame({"id": ["a"]}), metadata={
        "job": "score", "name": "news-rescore", "start": WINDOW[0], "end": WINDOW[1], "read_versions": {"silver/news": 0}})

    lineage = read_lineage(lake)

    assert lineage.sort_values("name")[["name", "table", "version", "read"]].to_dict("records") == [
        {"name": "news-backfill", "table": "bronze/news", "version": 1, "read": "bronze/news@0, deadletter@none"},
        {"name": "news-rescore", "table": "silver/news", "version": 1, "read": "silver/news@0"},
    ]
    assert set(lineage["window"]) == {f"{WINDOW[0]} – {WINDOW[1]}"}
    page = render_report(collect(lake))
    assert "news-rescore" in page and "silver/news@0" in page and "bronze/news@1" in page


def test_no_windowed_run_says_so(tmp_path):
    assert read_lineage(tmp_path / "lake") is None
    assert "No time-window backfill or re-score has run." in render_report(collect(tmp_path / "lake"))
