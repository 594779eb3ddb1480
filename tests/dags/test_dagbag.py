"""DagBag checks: the DAGs import cleanly and fast, are thin, acyclic, documented, and every task retries with a timeout."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.dags import DAG_IDS, DAGS, airflow_env

HEAVY = ("pyspark", "pandas", "torch", "transformers", "kafka", "lam_models.settings", "jobs.ingest", "jobs.score",
         "airflow.providers.apache.spark")
PARSE_BUDGET_S = 2.0

_PARSE = f"""
import json, sys, time
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
before = set(sys.modules)
bag = BundleDagBag(dag_folder={str(DAGS)!r}, bundle_path=Path({str(DAGS)!r}))
print("RESULT" + json.dumps({{
    "errors": bag.import_errors, "dags": sorted(bag.dags),
    "seconds": {{s.file: s.duration.total_seconds() for s in bag.dagbag_stats}},
    "new_modules": sorted(set(sys.modules) - before),
}}))
"""


@pytest.fixture(scope="module")
def fresh_parse(tmp_path_factory) -> dict:
    """Parse dags/ in a fresh interpreter, as the DAG processor does: errors, timings, imports."""
    env = airflow_env(tmp_path_factory.mktemp("airflow-parse"))
    proc = subprocess.run([sys.executable, "-c", _PARSE], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    return json.loads(line[len("RESULT"):])


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    """The DAGs parsed in this process (embedded default: no LAM_SPARK__* set)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in airflow_env(tmp_path_factory.mktemp("airflow-home")).items():
            if key.startswith("AIRFLOW"):
                patch.setenv(key, value)
        for key in [k for k in __import__("os").environ if k.startswith("LAM_SPARK__") or k == "LAM_CONFIG"]:
            patch.delenv(key)
        from airflow.dag_processing.dagbag import BundleDagBag

        bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)
    assert not bag.import_errors, bag.import_errors
    return bag


def test_all_dags_import_without_errors_each_under_2_s(fresh_parse) -> None:
    assert fresh_parse["errors"] == {}
    assert set(DAG_IDS) <= set(fresh_parse["dags"])
    slow = {name: s for name, s in fresh_parse["seconds"].items() if s >= PARSE_BUDGET_S}
    assert not slow, f"DAG files over {PARSE_BUDGET_S} s to import: {slow}"


def test_parsing_imports_no_heavy_module(fresh_parse) -> None:
    heavy = [m for m in fresh_parse["new_modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert not heavy, f"DAG files import these at parse time (import them inside tasks): {heavy[:20]}"


def _has_cycle(dag) -> bool:
    state: dict[str, int] = {}

    def visit(task_id: str) -> bool:
        if state.get(task_id) == 1:
            return True
        if state.get(task_id) == 2:
            return False
        state[task_id] = 1
        if any(visit(child) for child in dag.get_task(task_id).downstream_task_ids):
            return True
        state[task_id] = 2
        return False

    return any(visit(task_id) for task_id in dag.task_ids)


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_dag_is_acyclic_documented_tagged_and_every_task_retries_with_a_timeout(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert not _has_cycle(dag)
    assert "lam-pipelines" in dag.tags and len(dag.tags) >= 2
    assert dag.doc_md and dag_id in dag.doc_md and "Run locally" in dag.doc_md
    assert dag.catchup is False
    for task in dag.tasks:
        assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
        assert task.execution_timeout is not None and task.execution_timeout > timedelta(0), f"{dag_id}.{task.task_id} has no timeout"
        assert task.owner == "lam-pipelines"


def test_nightly_runs_the_shared_steps_in_order_over_a_daily_interval(dagbag) -> None:
    from jobs.nightly import STEPS

    dag = dagbag.dags["nightly"]
    assert [t.task_id for t in dag.topological_sort()] == [s.name for s in STEPS] + ["drift_check"]
    for before, after in zip(STEPS, STEPS[1:]):
        assert after.name in dag.get_task(before.name).downstream_task_ids
    assert (dag.timetable.expression, str(dag.timetable.timezone), dag.timetable.interval) == ("0 0 * * *", "UTC", timedelta(days=1))
    assert type(dag.get_task("ingest_news")).__name__ == "_PythonDecoratedOperator", "embedded default runs TaskFlow tasks"
    assert list(dag.get_task("ingest_news").op_args[1:3]) == ["{{ data_interval_start.isoformat() }}", "{{ data_interval_end.isoformat() }}"]


def test_nightly_drift_check_is_last_and_emits_the_continual_trigger(dagbag) -> None:
    from _defaults import CONTINUAL_TRIGGER

    from jobs.nightly import STEPS

    dag = dagbag.dags["nightly"]
    drift = dag.get_task("drift_check")
    assert "drift_check" in dag.get_task(STEPS[-1].name).downstream_task_ids and not drift.downstream_task_ids
    assert [o.uri for o in drift.outlets] == [CONTINUAL_TRIGGER.uri]
    assert CONTINUAL_TRIGGER.uri in repr(dagbag.dags["continual_finetune"].timetable)


def test_backfill_takes_start_end_model_version_and_reruns_the_backfill_steps(dagbag) -> None:
    from jobs.nightly import STEPS

    dag = dagbag.dags["backfill"]
    assert {"start", "end", "model_version"} <= set(dag.params)
    assert type(dag.timetable).__name__ == "NullTimetable", "manual only"
    assert [t.task_id for t in dag.topological_sort()] == [s.name for s in STEPS if s.in_backfill]
    assert list(dag.get_task("score").op_args[1:]) == ["{{ params.start }}", "{{ params.end }}", "{{ params.model_version or '' }}", True]


def test_continual_finetune_is_asset_triggered_and_gates_into_promote_or_reject(dagbag) -> None:
    from _defaults import CONTINUAL_TRIGGER

    dag = dagbag.dags["continual_finetune"]
    assert CONTINUAL_TRIGGER.uri in repr(dag.timetable)
    assert dag.get_task("fine_tune").downstream_task_ids >= {"evaluate"}
    assert dag.get_task("evaluate").downstream_task_ids == {"gate"}
    assert dag.get_task("gate").downstream_task_ids == {"promote", "reject"}
    assert "Branch" in type(dag.get_task("gate")).__name__
    assert "budget" in dag.params


def test_k8s_master_runs_the_same_steps_through_spark_submit(tmp_path, monkeypatch, dagbag) -> None:
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    from jobs.nightly import JOBS_DIR, STEPS
    from lam_models.settings import get_settings

    monkeypatch.setenv("LAM_SPARK__MASTER", "k8s://https://kube.example:6443")
    monkeypatch.setenv("LAM_SPARK__CONNECTION_ID", "spark_k8s")
    get_settings.cache_clear()
    try:
        bag = BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS)
    finally:
        get_settings.cache_clear()
    assert not bag.import_errors, bag.import_errors
    nightly, backfill = bag.dags["nightly"], bag.dags["backfill"]
    for step in STEPS:
        task = nightly.get_task(step.name)
        assert isinstance(task, SparkSubmitOperator)
        assert task._conn_id == "spark_k8s" and task.application == str(JOBS_DIR / step.application)
        assert task.application_args == step.args("{{ data_interval_start.isoformat() }}", "{{ data_interval_end.isoformat() }}", False)
        assert task.env_vars["LAM_SPARK__MASTER"] == "k8s://https://kube.example:6443"
        assert task.retries >= 1 and task.execution_timeout is not None
    assert "params.model_version" in backfill.get_task("score").env_vars["LAM_MODEL__VERSION"]
    assert "--from" in backfill.get_task("ingest_news").application_args, "a backfill re-reads its range by broker time"
    assert "--from" not in nightly.get_task("ingest_news").application_args, "the nightly run reads every new offset"
    _serializable(bag)


def _serializable(bag) -> None:
    """What the DAG processor stores: every DAG must serialize."""
    from airflow.serialization.serialized_objects import DagSerialization

    for dag in bag.dags.values():
        assert DagSerialization.to_dict(dag)["dag"]["dag_id"] == dag.dag_id


def test_dags_serialize_on_the_embedded_default(dagbag) -> None:
    _serializable(dagbag)


def test_spark_submit_refuses_a_connection_whose_master_differs_from_settings(dagbag, monkeypatch) -> None:
    from _defaults import _require_master

    monkeypatch.setenv("AIRFLOW_CONN_SPARK_LAM", json.dumps({"conn_type": "spark", "host": "spark://master:7077"}))
    _require_master("spark://master:7077", "spark_lam")({})
    with pytest.raises(ValueError, match="AIRFLOW_CONN_SPARK_LAM=.*local"):
        _require_master("local[2]", "spark_lam")({})


@pytest.mark.parametrize("master", ["local[*]", "local[2]", "k8s://https://kube:6443", "spark://host:7077"])
def test_parse_time_runner_agrees_with_settings(dagbag, monkeypatch, master: str) -> None:
    from _defaults import parse_time_runner, runner

    from lam_models.settings import Settings

    monkeypatch.delenv("LAM_CONFIG", raising=False)
    monkeypatch.setenv("LAM_SPARK__MASTER", master)
    assert parse_time_runner() == runner(Settings().spark)


def test_spark_submit_setting_switches_runner(dagbag, monkeypatch) -> None:
    from _defaults import SPARK_SUBMIT, parse_time_runner, runner

    from lam_models.settings import Settings

    monkeypatch.delenv("LAM_CONFIG", raising=False)
    monkeypatch.setenv("LAM_SPARK__SUBMIT", "true")
    assert parse_time_runner() == runner(Settings().spark) == SPARK_SUBMIT


class _TaskInstance:
    def __init__(self) -> None:
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed[key] = value


def test_continual_gate_logs_and_pushes_the_verdict_and_promote_switches_production(dagbag, tmp_path: Path, monkeypatch, caplog) -> None:
    from lam_models.registry.pointers import production_version
    from lam_models.registry.store import write_version

    dag = dagbag.dags["continual_finetune"]
    evaluate, gate, promote, reject = (dag.get_task(t).python_callable for t in ("evaluate", "gate", "promote", "reject"))
    ti = _TaskInstance()
    monkeypatch.setitem(gate.__globals__, "settings", lambda: SimpleNamespace(registry_root=tmp_path))
    monkeypatch.setitem(gate.__globals__, "get_current_context", lambda: {"ti": ti})
    version = write_version(tmp_path, lambda folder: (folder / "model.safetensors").write_bytes(b"weights"),
                            config={}, labels=["negative", "neutral", "positive"], metrics={"macro_f1": 0.81}, data_hash="h")
    round_result = {"verdict": "promote", "version": version, "reason": "macro-F1 +0.02, BWT -0.001"}

    evaluation = evaluate(round_result)
    with caplog.at_level("INFO"):
        branch = gate(round_result, evaluation)

    assert evaluation == {"version": version, "metrics": {"macro_f1": 0.81}}
    assert branch == "promote" and ti.pushed["verdict"]["verdict"] == "promote"
    assert "GATE VERDICT: promote" in caplog.text
    assert promote(round_result)["production"] == version == production_version(tmp_path)
    rejected = {"verdict": "reject", "version": None, "reason": "no new labels"}
    assert gate(rejected, evaluate(rejected)) == "reject" and reject(rejected)["verdict"] == "reject"
    assert production_version(tmp_path) == version


def test_run_step_parses_the_interval_and_refuses_a_pin_the_job_ignores(monkeypatch, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    import jobs.nightly as nightly
    from tests.conftest import make_settings

    seen = []

    def fake(settings, start, end, backfill):
        seen.append((start, end, settings.model.version))
        return {"model_version": "base:tiny", "backfill": backfill}

    monkeypatch.setattr(nightly, "STEPS", (nightly.Step("fake", fake, "score.py"),))
    settings = make_settings(tmp_path)

    summary = nightly.run_step("fake", settings, "2024-03-04", "2024-03-05T00:00:00Z")
    assert seen == [(datetime(2024, 3, 4, tzinfo=timezone.utc), datetime(2024, 3, 5, tzinfo=timezone.utc), None)]
    assert summary["step"] == "fake" and summary["backfill"] is False, "a nightly run unless told otherwise"
    assert nightly.run_step("fake", settings, "2024-03-04", "2024-03-05", backfill=True)["backfill"] is True
    assert nightly.run_step("fake", settings, "2024-03-04", "2024-03-05", model_version="tiny")["model_version"] == "base:tiny"
    assert seen[-1][2] == "tiny", "the pin reaches the job through settings.model.version"
    with pytest.raises(RuntimeError, match="pinned 'v0007'"):
        nightly.run_step("fake", settings, "2024-03-04", "2024-03-05", model_version="v0007")
    with pytest.raises(ValueError, match="empty interval"):
        nightly.run_step("fake", settings, "2024-03-05", "2024-03-04")
