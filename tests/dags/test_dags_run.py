"""``airflow dags test`` end to end on the embedded default: SQLite metadata DB, the test broker, local Spark.

Each DAG run is a subprocess with the test's Settings as ``LAM_*`` env vars (``Settings.to_env``),
so it reads the records this test replayed into its own topics and writes into its own lake.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models.adapters.lake import parquet_files, table_dir
from lam_models.adapters.producers import produce
from tests.conftest import make_settings
from tests.dags import AIRFLOW, airflow_env, latest_xcoms, run_airflow, run_state
from tests.records import DAY0, good_news

pytestmark = pytest.mark.integration

DAY = DAY0.date().isoformat()                   # 2024-03-04: good_news puts even i on it, odd i on the next day
NEXT_DAY = (DAY0 + timedelta(days=1)).date().isoformat()
AFTER = (DAY0 + timedelta(days=2)).date().isoformat()
TABLES = ("bronze/news", "silver/news", "deadletter", "bronze/interactions")


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """One AIRFLOW_HOME with a migrated SQLite DB for every DAG run of the test session."""
    home = tmp_path_factory.mktemp("airflow")
    proc = subprocess.run([str(AIRFLOW), "db", "migrate"], env=airflow_env(home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return home


@pytest.fixture
def dag_settings(broker, tmp_path):
    """Settings with their own topics on the test broker, lake and registry; 2-core local Spark."""
    from lam_models.adapters.kafka_admin import ensure_topics
    from lam_models.settings import SparkSettings

    settings = make_settings(tmp_path, spark=SparkSettings(master="local[2]", shuffle_partitions=2))
    ensure_topics(settings)
    return settings


def dags_test(home: Path, settings, tmp_path: Path, *args: str) -> str:
    log = tmp_path / f"airflow-dags-test-{args[0]}-{uuid.uuid4().hex[:6]}.log"
    output = run_airflow(["dags", "test", *args], airflow_env(home, settings.to_env()), log)
    assert run_state(home, args[0]) == "success", output[-4000:]
    return output


def table(settings, name: str) -> pd.DataFrame:
    path = table_dir(settings.lake_root, name)
    return pd.read_parquet(path) if parquet_files(path) else pd.DataFrame()


def snapshot(settings) -> dict[str, str]:
    """Every published data file of the pipeline's tables with its sha256."""
    return {
        str(path.relative_to(settings.lake_root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for name in TABLES for path in parquet_files(table_dir(settings.lake_root, name))
    }


def test_nightly_ingests_and_scores_exactly_its_data_interval(airflow_home, dag_settings, tmp_path) -> None:
    s = dag_settings
    produce(s, s.topics.news, good_news(20), progress=False)
    expected = {f"t-{i}" for i in range(0, 20, 2)}  # the records of DAY

    dags_test(airflow_home, s, tmp_path, "nightly", NEXT_DAY)  # the run at NEXT_DAY 00:00 covers [DAY, NEXT_DAY)

    xcoms = latest_xcoms(airflow_home, "nightly")
    ingested, scored = xcoms[("ingest_news", "return_value")], xcoms[("score", "return_value")]
    assert ingested["interval"] == [f"{DAY}T00:00:00+00:00", f"{NEXT_DAY}T00:00:00+00:00"]
    assert (ingested["bronze"], ingested["deadletter"], ingested["reconciled"]) == (10, 0, True)
    assert xcoms[("ingest_interactions", "return_value")]["records_in"] == 0
    assert scored["rows_out"] == 10 and scored["model_version"]
    bronze, silver = table(s, "bronze/news"), table(s, "silver/news")
    assert set(bronze["id"]) == expected and set(bronze["event_date"].astype(str)) == {DAY}
    assert set(silver["id"]) == expected and silver["id"].is_unique
    assert np.stack(silver["embedding"].to_numpy()).shape == (10, 384)


def test_backfill_over_two_days_twice_changes_nothing_the_second_time(airflow_home, dag_settings, tmp_path) -> None:
    s = dag_settings
    later = good_news(4, start=100, day0=DAY0 + timedelta(days=3))  # outside the range: must stay out
    produce(s, s.topics.news, good_news(20) + later, progress=False)
    conf = json.dumps({"start": DAY, "end": AFTER, "model_version": None})

    dags_test(airflow_home, s, tmp_path, "backfill", "-c", conf)

    first = latest_xcoms(airflow_home, "backfill")
    assert first[("ingest_news", "return_value")]["bronze"] == 20
    assert first[("score", "return_value")]["rows_out"] == 20
    expected = {f"t-{i}" for i in range(20)}
    assert set(table(s, "bronze/news")["id"]) == expected
    assert set(table(s, "silver/news")["id"]) == expected and table(s, "silver/news")["id"].is_unique
    before = snapshot(s)

    dags_test(airflow_home, s, tmp_path, "backfill", "-c", conf)

    second = latest_xcoms(airflow_home, "backfill")
    news = second[("ingest_news", "return_value")]
    assert (news["bronze"], news["deadletter"], news["already_ingested"]) == (0, 0, 20)
    assert second[("score", "return_value")]["files"] == 0
    assert snapshot(s) == before, "a second backfill of the same range changes no table file"


def test_continual_finetune_round_with_a_tiny_budget(airflow_home, tmp_path) -> None:
    s = make_settings(tmp_path)

    output = dags_test(airflow_home, s, tmp_path, "continual_finetune", "-c", json.dumps({"budget": 2}))

    xcoms = latest_xcoms(airflow_home, "continual_finetune")
    verdict = xcoms[("gate", "verdict")]
    assert verdict["verdict"] in ("promote", "reject") and verdict["reason"]
    assert f"GATE VERDICT: {verdict['verdict']}" in output
    assert (verdict["verdict"], "return_value") in xcoms, "the chosen branch ran"
