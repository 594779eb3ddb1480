"""The backfill job through the real ``spark-submit`` on a standalone cluster equals the in-process run.

A Spark standalone master and worker run as separate JVMs on the loopback (``spark_cluster``); the
backfill steps that need no trained model (ingest of a broker-time window, then scoring with the
base encoder) are submitted with pyspark's own ``bin/spark-submit``, settings passed as ``LAM_*``
env vars as the DAGs' ``SparkSubmitOperator`` passes them. The same steps then run in-process on the
same topic into a second lake: bronze, dead-letter, the reconciliation counts and silver must match.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobs import ingest, score
from lam_models import catalog
from lam_models.delta_tables import history
from lam_models.adapters.jars import spark_connector_jars
from lam_models.adapters.producers import produce
from lam_models.adapters.spark import pyspark_jars_dir
from tests.cluster import cluster_env, spark_submit_binary
from tests.lake_tables import read
from tests.records import DAY0, bad_news_messages, expected_reason_kinds, good_news

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
START, END = DAY0 - timedelta(hours=1), DAY0 + timedelta(days=2) - timedelta(hours=1)
RUN_SPECIFIC = ("now", "seconds", "offsets_spanned")
"""Fields that time the run itself or span the whole run, not what its batch read and wrote."""
RUN_CLOCK = re.compile(r"^(event time in the future: .* > ).*$")
"""The one dead-letter reason quoting the run's own clock (its horizon: the run's start + allowed skew)."""


def submit(settings, cluster, application: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``spark-submit --master spark://… --jars <connector jars> jobs/<application> args`` with ``settings`` as env."""
    jars = ",".join(str(j) for j in spark_connector_jars(settings.jars_dir, pyspark_jars_dir()))
    python_path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    command = [
        str(spark_submit_binary()), "--master", cluster.url, "--deploy-mode", "client",
        "--driver-memory", "1g", "--executor-memory", "1g", "--total-executor-cores", str(cluster.cores),
        "--jars", jars, "--conf", f"spark.executorEnv.PYTHONPATH={python_path}",
        str(REPO / "jobs" / application), *args,
    ]
    env = cluster_env(**settings.to_env(), PYTHONPATH=python_path)
    env.pop("LAM_CONFIG", None)  # the env vars are the whole configuration, as the DAGs' SparkSubmitOperator passes it
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{application} failed ({done.returncode}):\n{done.stderr[-4000:]}\n{cluster.log_tail()}"
    return done


def table(settings, name: str, order: list[str]) -> pd.DataFrame:
    frame = read(catalog.path(settings.lake_root, name))
    assert not frame.empty, f"{name} is empty in {settings.lake_root}"
    return frame.sort_values(order).reset_index(drop=True)[sorted(frame.columns)]


def without_run_clock(dead: pd.DataFrame) -> pd.DataFrame:
    return dead.assign(reason=dead["reason"].str.replace(RUN_CLOCK, r"\1<run clock>", regex=True))


def last_ingest_run(settings) -> dict:
    """The figures the last backfill's bronze commit records."""
    runs = [c["userMetadata"] for c in history(catalog.path(settings.lake_root, "bronze/news"))
            if c["userMetadata"].get("name") == f"{settings.topics.news}-backfill"]
    return {k: v for k, v in runs[0].items() if k not in RUN_SPECIFIC}


def test_backfill_through_spark_submit_on_a_standalone_cluster_equals_in_process(kafka_settings, spark, spark_cluster, tmp_path):
    topic_settings = kafka_settings.model_copy(update={"spark": kafka_settings.spark.model_copy(update={"shuffle_partitions": 2}),
                                                       # one torch thread per task on both: the thread count changes the sums' order (~1e-4)
                                                       "model": kafka_settings.model.model_copy(update={"cpu_threads": 1})})
    on_cluster = topic_settings.model_copy(update={
        "lake_root": tmp_path / "lake-submitted",
        "spark": topic_settings.spark.model_copy(update={"master": spark_cluster.url, "driver_memory": "1g"}),
    })
    in_process = topic_settings.model_copy(update={"lake_root": tmp_path / "lake-in-process"})
    bad = bad_news_messages()
    produce(kafka_settings, kafka_settings.topics.news, good_news(30, days=3) + bad + good_news(3, days=3), progress=False)
    in_window = {f"t-{i}" for i in range(30) if i % 3 != 2}

    ingested = submit(on_cluster, spark_cluster, "ingest.py", "--topic", "news", "--from", START.isoformat(), "--to", END.isoformat())
    scored = submit(on_cluster, spark_cluster, "score.py")

    apps = {app["name"]: app for app in spark_cluster.completed_apps()}
    assert {"lam-ingest-news", "lam-score"} <= set(apps), f"the jobs did not run on the cluster: {list(apps)}\n{ingested.stdout}"
    assert all(app["state"] == "FINISHED" for app in apps.values()), apps

    expected = ingest.run("news", in_process, start=START, end=END)
    score.run(in_process)

    assert expected.reconciled and (expected.records_in, expected.bronze) == (len(in_window) + len(bad) + 2, len(in_window))
    assert expected.reasons == {**expected_reason_kinds(), "duplicate id": 2}, "t-0 and t-1 come twice in the window; t-2 is outside"
    submitted_run, local_run = last_ingest_run(on_cluster), last_ingest_run(in_process)
    assert {k: v for k, v in local_run.items() if k not in ("job", "name", "window", "read_versions")} == {
        k: v for k, v in asdict(expected).items() if k not in RUN_SPECIFIC}
    assert submitted_run == local_run, "same window read, same counts, same reasons: the counts reconcile alike"
    assert f"in={expected.records_in} bronze={expected.bronze} deadletter={expected.deadletter}" in ingested.stdout

    bronze = table(on_cluster, "bronze/news", ["id"])
    assert set(bronze["id"]) == in_window and bronze["id"].is_unique
    pd.testing.assert_frame_equal(bronze, table(in_process, "bronze/news", ["id"]))
    dead, local_dead = (without_run_clock(table(s, "deadletter", ["kafka_partition", "kafka_offset"])) for s in (on_cluster, in_process))
    assert len(dead) == expected.deadletter and dead["reason"].str.endswith("<run clock>").sum() == 1
    pd.testing.assert_frame_equal(dead, local_dead)

    silver, local_silver = table(on_cluster, "silver/news", ["id"]), table(in_process, "silver/news", ["id"])
    assert len(silver) == len(in_window) and f"rows={len(in_window)}" in scored.stdout
    np.testing.assert_allclose(np.stack(silver["embedding"].to_numpy()), np.stack(local_silver["embedding"].to_numpy()), atol=1e-5)
    pd.testing.assert_frame_equal(silver.drop(columns="embedding"), local_silver.drop(columns="embedding"))
