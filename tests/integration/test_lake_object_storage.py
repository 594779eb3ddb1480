"""The lake on object storage: ``lake_root = s3a://bucket/lake`` on an S3 endpoint (moto's server).

The real ingest and score jobs run in a child process (their own Spark session, with the S3A jars and
``fs.s3a.*`` settings; the tests' shared session is a local-lake one), configured only by ``LAM_*`` env
vars as the DAGs and the chart configure them. Then delta-rs reads bronze and silver back from the same
URI: the counts reconcile, the ids are the produced ones, and a rerun writes nothing twice. The files
under the lake that are not Delta tables (labels table, the monitor's delivery state, the report) go to
the object store too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models import catalog, delta_tables
from lam_models.adapters.job_state import JobState
from lam_models.adapters.producers import produce
from lam_models.adapters.spark import session_jars
from lam_models.continual import labels
from lam_models.lake_location import LakeUri
from lam_models.settings import Settings
from tests import s3
from tests.records import bad_news_messages, good_news

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
JOBS = ("import json; from dataclasses import asdict; from jobs import ingest, score; "
        "print('RESULT', json.dumps({'ingest': asdict(ingest.run('news')), 'score': asdict(score.run())}))")


@pytest.fixture(scope="module")
def endpoint():
    server = s3.start()
    yield server
    server.stop()


def on_object_storage(settings: Settings, endpoint: s3.S3Endpoint, prefix: str) -> Settings:
    """``settings`` with its lake at ``s3a://<bucket>/<prefix>`` on ``endpoint`` (validated again: the URI carries the storage)."""
    fields = {name: getattr(settings, name) for name in Settings.model_fields}
    return Settings(**{**fields, "lake_root": f"s3a://{endpoint.bucket}/{prefix}", "lake_storage": endpoint.storage()})


def run_jobs(settings: Settings) -> dict:
    """Ingest the news topic, then score it, in a fresh process configured by env vars alone (keys from the 'Secret')."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAM_")}
    env.update(settings.to_env(), PYTHONPATH=str(REPO), LAM_LAKE_STORAGE__ACCESS_KEY_ID=s3.KEY_ID,
               LAM_LAKE_STORAGE__SECRET_ACCESS_KEY=s3.SECRET)
    done = subprocess.run([sys.executable, "-c", JOBS], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"jobs failed ({done.returncode}):\n{done.stderr[-6000:]}"
    (line,) = [row for row in done.stdout.splitlines() if row.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def test_ingest_and_score_write_the_lake_on_object_storage(kafka_settings, endpoint, tmp_path):
    spark = kafka_settings.spark.model_copy(update={"master": "local[2]", "shuffle_partitions": 2})
    s = on_object_storage(kafka_settings.model_copy(update={"spark": spark}), endpoint, "lake")
    assert isinstance(s.lake_root, LakeUri) and s.to_env()["LAM_LAKE_ROOT"] == f"s3a://{endpoint.bucket}/lake"
    bad = bad_news_messages()
    produce(s, s.topics.news, good_news(12) + bad, progress=False)

    first = run_jobs(s)

    ingested, scored = first["ingest"], first["score"]
    assert (ingested["records_in"], ingested["bronze"], ingested["deadletter"]) == (12 + len(bad), 12, len(bad))
    assert ingested["records_in"] == ingested["bronze"] + ingested["deadletter"] + ingested["already_ingested"]
    bronze = delta_tables.read_frame(catalog.path(s.lake_root, "bronze/news"))
    dead = delta_tables.read_frame(catalog.path(s.lake_root, "deadletter"))
    silver = delta_tables.read_frame(catalog.path(s.lake_root, "silver/news"))
    produced = {f"t-{i}" for i in range(12)}
    assert set(bronze["id"]) == produced and bronze["id"].is_unique
    assert len(dead) == len(bad) and {bytes(v) if v is not None else None for v in dead["value"]} == {v for _, v, _ in bad}
    assert scored["rows_out"] == 12 and sorted(silver["id"]) == sorted(bronze["id"])
    np.testing.assert_allclose(np.linalg.norm(np.stack(silver["embedding"].to_numpy()), axis=1), 1.0, atol=1e-5)
    assert endpoint.keys("lake/_checkpoints/ingest/") and endpoint.keys("lake/_checkpoints/score/"), "checkpoints live on S3 too"
    assert not (tmp_path / "lake").exists(), "nothing lands on local disk"
    assert any(Path(jar).name.startswith("hadoop-aws-") for jar in session_jars(s)), "spark-submit's --jars carry S3A"
    versions = {name: delta_tables.version(catalog.path(s.lake_root, name)) for name in ("bronze/news", "deadletter", "silver/news")}

    again = run_jobs(s)

    assert again["ingest"]["records_in"] == 0 and again["score"]["rows_out"] == 0
    assert {name: delta_tables.version(catalog.path(s.lake_root, name)) for name in versions} == versions, "a rerun commits nothing"
    assert len(delta_tables.read_frame(catalog.path(s.lake_root, "silver/news"))) == 12


def test_lake_files_that_are_not_delta_tables_live_on_object_storage(endpoint):
    from lam_models.report import ReportOptions, collect, write_report

    root = LakeUri(f"s3a://{endpoint.bucket}/files", endpoint.storage())
    table = catalog.path(root, "gold/recommendations")
    assert not delta_tables.is_table(table) and delta_tables.read_frame(table) is None
    assert delta_tables.write_frame(table, pd.DataFrame({"user_id": [1, 2]}), metadata={"job": "test"}) == 0
    assert delta_tables.read_frame(table)["user_id"].tolist() == [1, 2]
    assert delta_tables.history(table)[0]["userMetadata"] == {"job": "test"}

    incoming = labels.frame_from_records([{"id": "l-1", "text": "Profit rose", "label": "positive", "source": "test",
                                           "ts": "2024-03-04T09:00:00+00:00", "ref_id": None}])
    assert labels.land(root, incoming).new == 1 and labels.land(root, incoming).unchanged == 1
    assert labels.read_table(root)["text"].tolist() == ["Profit rose"] and labels.count_since(root, None) == 1
    assert endpoint.keys("files/labels/") == ["files/labels/labels.parquet"]

    state = JobState.for_job(root, "monitor", "alerts")
    state.begin({"send": ["a-1"]})
    assert state.pending() == {"send": ["a-1"]}
    state.commit({"sent": ["a-1"]})
    assert state.pending() is None and state.committed() == {"sent": ["a-1"]}
    files = {key.rsplit("/", 1)[-1] for key in endpoint.keys("files/_state/monitor/alerts/")}
    assert files - {""} == {"committed.json"}, "the intent is gone (pyarrow may keep an empty folder marker)"

    report = write_report(root / "reports" / "report.html", collect(root), ReportOptions())
    assert str(report) == f"s3a://{endpoint.bucket}/files/reports/report.html" and endpoint.keys("files/reports/")
