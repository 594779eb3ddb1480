"""The continual trigger end to end: ``nightly``'s ``drift_check`` -> asset ``lam://continual/trigger`` -> ``continual_finetune``.

Each test has its own AIRFLOW_HOME (a fresh SQLite DB, migrated in seconds) with every DAG of
``dags/`` serialized and ``continual_finetune`` unpaused, as a deployment runs it: Airflow queues
an asset-triggered run only for an unpaused DAG scheduled on the asset. ``nightly`` runs with
``airflow dags test`` and every step but the ones under test marked successful (its other steps
are exercised by ``test_dags_run.py``); ``dags test`` runs each task through the in-process
execution API, the same code path that records a task's outlet asset events in production.

The round itself is run by the real scheduler (LocalExecutor) and an execution API server on this
DB: the asset-triggered run it creates, with the event it consumed, is the run under test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lam_models import catalog
from tests.conftest import DATA_DIR, make_settings
from tests.dags import AIRFLOW, REPO, airflow_env, migrate, run_airflow
from tests.lake_tables import append
from tests.records import DAY0

pytestmark = pytest.mark.integration

TRIGGER_URI = "lam://continual/trigger"  # dags/_defaults.py CONTINUAL_TRIGGER
DAY = DAY0.date().isoformat()
NEXT_DAY = (DAY0 + timedelta(days=1)).date().isoformat()  # the nightly run at NEXT_DAY 00:00 covers [DAY, NEXT_DAY)
NAMES = np.array(["negative", "neutral", "positive"])
NEW_LABELS = 60  # 20 a class: enough for the round to split them into train / validation / test


def only(*task_ids: str) -> str:
    """``--mark-success-pattern`` matching every task id but ``task_ids`` (those run for real)."""
    return f"(?!({'|'.join(task_ids)})$).*"


@pytest.fixture
def home(tmp_path) -> Path:
    """A fresh AIRFLOW_HOME: every DAG serialized, ``continual_finetune`` unpaused (``nightly`` stays paused)."""
    home = migrate(tmp_path / "airflow")
    for args in (["dags", "reserialize"], ["dags", "unpause", "continual_finetune"]):
        run_airflow(args, airflow_env(home), tmp_path / f"airflow-{args[1]}.log", timeout_s=120)
    assert rows(home, "SELECT is_paused FROM dag WHERE dag_id = 'continual_finetune'") == [(0,)]
    return home


def rows(home: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(home / "airflow.db") as db:
        return db.execute(sql, args).fetchall()


def last_run(home: Path, dag_id: str) -> tuple[int, str, str, str]:
    """(id, run_id, run_type, state) of the latest run of ``dag_id``."""
    return rows(home, "SELECT id, run_id, run_type, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", dag_id)[0]


def task_states(home: Path, dag_id: str, run_id: str) -> dict[str, str | None]:
    return dict(rows(home, "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", dag_id, run_id))


def xcoms(home: Path, dag_id: str, run_id: str) -> dict[tuple[str, str], object]:
    found = rows(home, "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ?", dag_id, run_id)
    return {(task, key): json.loads(value) if isinstance(value, str) else value for task, key, value in found}


def trigger_events(home: Path, run_id: str | None = None) -> list[dict]:
    """The asset events of ``lam://continual/trigger`` (those of one source run when ``run_id`` is given)."""
    found = rows(home, "SELECT e.id, e.source_dag_id, e.source_task_id, e.source_run_id, e.extra FROM asset_event e "
                       "JOIN asset a ON a.id = e.asset_id WHERE a.uri = ? ORDER BY e.id", TRIGGER_URI)
    events = [dict(zip(("id", "dag_id", "task_id", "run_id", "extra"), row, strict=True)) for row in found]
    for event in events:
        event["extra"] = json.loads(event["extra"]) if isinstance(event["extra"], str) else event["extra"]
    return [e for e in events if run_id is None or e["run_id"] == run_id]


def queued_rounds(home: Path) -> list[tuple]:
    """Rows of ``asset_dag_run_queue`` waiting to start a ``continual_finetune`` run."""
    return rows(home, "SELECT q.target_dag_id FROM asset_dag_run_queue q JOIN asset a ON a.id = q.asset_id "
                      "WHERE a.uri = ? AND q.target_dag_id = 'continual_finetune'", TRIGGER_URI)


def settings_for(tmp_path: Path, **continual):
    """Settings with their own topics, lake, registry and home; 2-core local Spark; the trigger's knobs."""
    from lam_models.continual.config import ContinualConfig
    from lam_models.settings import SparkSettings

    return make_settings(tmp_path, home=tmp_path / "home", spark=SparkSettings(master="local[2]", shuffle_partitions=2),
                         continual=ContinualConfig(**continual))


def promote_tiny(settings, tiny_version: tuple[Path, str]) -> str:
    """Copy the session's tiny registry to ``settings.registry_root`` and make its version production."""
    import shutil

    from lam_models.registry.pointers import promote

    source, version = tiny_version
    shutil.copytree(source, settings.registry_root)
    promote(settings.registry_root, version, reason="test")
    return version


def nightly(home: Path, settings, tmp_path: Path, *run: str) -> tuple[str, str]:
    """``airflow dags test nightly NEXT_DAY`` running only the tasks ``run``; returns (run_id, output)."""
    log = tmp_path / f"airflow-nightly-{uuid.uuid4().hex[:6]}.log"
    output = run_airflow(["dags", "test", "nightly", NEXT_DAY, "--mark-success-pattern", only(*run)],
                         airflow_env(home, settings.to_env()), log)
    _, run_id, _, state = last_run(home, "nightly")
    assert state == "success", output[-4000:]
    return run_id, output


def scored(seed: int, n: int, first: datetime, version: str, shift: float = 0.0, label_p=(0.2, 0.5, 0.3)) -> pd.DataFrame:
    """Silver rows of ``version`` one minute apart from ``first``: seeded labels, probabilities, 8-d embeddings."""
    rng = np.random.default_rng(seed)
    label = rng.choice(3, n, p=label_p)
    top = np.clip(rng.beta(8 - 4 * shift, 2, n), 0.34, 0.98)
    probs = np.zeros((n, 3))
    probs[np.arange(n), label] = top
    probs[probs == 0] = np.repeat((1 - top) / 2, 2)
    emb = rng.normal(0, 1, (n, 8)).astype(np.float32)
    emb[:, :2] += shift
    return pd.DataFrame({"published_at": [first + timedelta(minutes=i) for i in range(n)], "label": NAMES[label],
                         "p_negative": probs[:, 0], "p_neutral": probs[:, 1], "p_positive": probs[:, 2],
                         "embedding": list(emb), "model_version": version})


def write_silver(settings, frame: pd.DataFrame, part: int) -> None:
    append(catalog.path(settings.lake_root, "silver/news"), frame.assign(event_date=str(part)))


def phrasebank_labels(per_class: int) -> list[dict]:
    """``per_class`` PhraseBank 75Agree sentences of each class outside AllAgree (the tiny model's data) as
    labels-topic records stamped now: new labels since production's promotion."""
    from lam_models.continual import labels
    from lam_models.sentiment.data import LABELS, LabelledTexts, fetch_phrasebank

    seen = set(fetch_phrasebank("allagree", DATA_DIR).texts)
    pool = fetch_phrasebank("75agree", DATA_DIR)
    fresh = [(t, y) for t, y in zip(pool.texts, pool.labels, strict=True) if t not in seen]
    chosen = [row for k in range(len(LABELS)) for row in [r for r in fresh if r[1] == k][:per_class]]
    data = LabelledTexts([t for t, _ in chosen], np.array([y for _, y in chosen]), "75agree-new")
    return labels.records_from_texts(data, "analyst:test", datetime.now(UTC))


@pytest.mark.parametrize("drifted", [False, True], ids=["calm", "drifted"])
def test_drift_check_emits_the_continual_trigger_only_when_predictions_drift(home, tiny_version, tmp_path, drifted) -> None:
    """A calm night with a few new labels: drift_check is skipped, no asset event, no round queued or scheduled.
    The same night with drifted predictions: one event, from that task of that run, and a round queued."""
    from lam_models.continual import labels

    s = settings_for(tmp_path, trigger_new_labels=NEW_LABELS, drift_min_rows=50)
    version = promote_tiny(s, tiny_version)
    labels.land(s.lake_root, labels.frame_from_records(phrasebank_labels(2)))  # 6 new labels: too few to trigger
    write_silver(s, scored(0, 400, DAY0 - timedelta(days=5), version), 0)  # production's reference window
    recent = scored(1, 300, DAY0, version) if not drifted else \
        scored(2, 300, DAY0, version, shift=1.0, label_p=(0.6, 0.3, 0.1))
    write_silver(s, recent, 1)  # the interval [DAY, NEXT_DAY)

    run_id, output = nightly(home, s, tmp_path, "drift_check")

    states = task_states(home, "nightly", run_id)
    assert states["drift_check"] == ("success" if drifted else "skipped")
    assert {state for task, state in states.items() if task != "drift_check"} == {"success"}, "the other steps were marked"
    events = trigger_events(home, run_id)
    if not drifted:
        assert "no continual round: no drift and too few new labels" in output, "drift was judged, and found none"
        assert events == [] and trigger_events(home) == [], "a skipped drift_check emits no asset event"
        assert queued_rounds(home) == [], "no continual round is queued"
        run_airflow(["scheduler", "--num-runs", "1", "--skip-serve-logs"], airflow_env(home, s.to_env()),
                    tmp_path / "airflow-scheduler.log", timeout_s=120)
        assert rows(home, "SELECT run_id FROM dag_run WHERE dag_id = 'continual_finetune'") == [], "the scheduler starts none"
        return
    result = xcoms(home, "nightly", run_id)[("drift_check", "return_value")]
    assert result["trigger"] and (result["reference_rows"], result["recent_rows"], result["new_labels"]) == (400, 300, 6)
    assert any("predicted-label PSI" in r for r in result["reasons"]) and not any("new labels" in r for r in result["reasons"])
    assert len(events) == 1, f"one asset event from this run, got {events}"
    [event] = events
    assert (event["dag_id"], event["task_id"]) == ("nightly", "drift_check")
    assert event["extra"] == {"reasons": result["reasons"], "production": version}, "the event says why"
    assert len(trigger_events(home)) == 1, "one event, from this run only"
    assert queued_rounds(home) == [("continual_finetune",)], "the event queued a continual_finetune run"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_scheduled_round(home: Path, env: dict[str, str], tmp_path: Path, timeout_s: float = 420) -> tuple[int, str, str, str]:
    """Start an execution API server and the scheduler on ``home``; wait for the asset-triggered
    ``continual_finetune`` run they create to finish (fail fast on a failed or retried task).

    Returns:
        The run's (id, run_id, run_type, state).
    """
    port = free_port()
    env = {**env, "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/"}
    commands = {"api-server": ["api-server", "--apps", "execution", "--host", "127.0.0.1", "--port", str(port)],
                "scheduler": ["scheduler", "--skip-serve-logs"]}
    procs: dict[str, subprocess.Popen] = {}
    deadline, failure, run = time.monotonic() + timeout_s, None, None
    try:
        for name, args in commands.items():
            with open(tmp_path / f"airflow-{name}.log", "wb") as log:
                procs[name] = subprocess.Popen([str(AIRFLOW), *args], env=env, cwd=REPO, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True)
        while failure is None:
            time.sleep(2)
            found = rows(home, "SELECT id, run_id, run_type, state FROM dag_run WHERE dag_id = 'continual_finetune'")
            if len(found) > 1:
                failure = f"more than one continual_finetune run: {found}"
            elif found and found[0][3] in ("success", "failed"):
                run = found[0]
                break
            elif found and {"failed", "up_for_retry"} & set(task_states(home, "continual_finetune", found[0][1]).values()):
                failure = f"a task failed: {task_states(home, 'continual_finetune', found[0][1])}"
            elif any(proc.poll() is not None for proc in procs.values()):
                failure = f"exited: {[name for name, proc in procs.items() if proc.poll() is not None]}"
            elif time.monotonic() > deadline:
                failure = f"no finished continual_finetune run after {timeout_s:.0f} s: {found}"
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    if failure is not None:
        logs = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in [*sorted((home / "logs").rglob("*.log")), tmp_path / "airflow-scheduler.log"])
        pytest.fail(f"scheduled continual round: {failure}\n{logs}")
    return run


def test_new_labels_trigger_a_round_that_the_scheduler_runs_from_the_asset_event(broker, home, tiny_version, tmp_path) -> None:
    """Labels on the topic -> nightly ingest_labels + drift_check -> one asset event -> the scheduler's
    asset-triggered continual_finetune run, which consumes exactly that event and fine-tunes on those labels."""
    from lam_models.adapters.kafka_admin import ensure_topics
    from lam_models.adapters.producers import encode, produce
    from lam_models.registry import show
    from lam_models.registry.pointers import production_version

    s = settings_for(tmp_path, trigger_new_labels=NEW_LABELS, min_new_labels=30, replay_size=16, default_budget=2)
    ensure_topics(s)
    production = promote_tiny(s, tiny_version)
    records = phrasebank_labels(NEW_LABELS // 3)
    produce(s, s.topics.labels, [(r["id"].encode(), encode(r), None) for r in records], progress=False)

    run_id, _ = nightly(home, s, tmp_path, "ingest_labels", "drift_check")

    nightly_xcoms = xcoms(home, "nightly", run_id)
    assert nightly_xcoms[("ingest_labels", "return_value")]["bronze"] == NEW_LABELS
    result = nightly_xcoms[("drift_check", "return_value")]
    assert result["trigger"] and (result["landed_labels"], result["new_labels"]) == (NEW_LABELS, NEW_LABELS)
    assert result["reasons"] == [f"{NEW_LABELS} new labels >= {NEW_LABELS}"], "no silver rows: only the labels judged"
    events = trigger_events(home, run_id)
    assert len(events) == 1, f"one asset event from this run, got {events}"
    [event] = events
    assert (event["dag_id"], event["task_id"]) == ("nightly", "drift_check")
    assert event["extra"] == {"reasons": result["reasons"], "production": production}
    assert queued_rounds(home) == [("continual_finetune",)]
    assert rows(home, "SELECT run_id FROM dag_run WHERE dag_id = 'continual_finetune'") == [], "nothing ran it yet"

    dag_run_id, round_run_id, run_type, state = run_scheduled_round(home, airflow_env(home, s.to_env()), tmp_path)

    assert (run_type, state) == ("asset_triggered", "success")
    consumed = rows(home, "SELECT event_id FROM dagrun_asset_event WHERE dag_run_id = ?", dag_run_id)
    assert consumed == [(event["id"],)], "the round consumed exactly the nightly's event"
    assert queued_rounds(home) == [] and len(trigger_events(home)) == 1, "the queue is drained: no second round"
    assert rows(home, "SELECT conf FROM dag_run WHERE id = ?", dag_run_id) == [("{}",)], "no conf: the settings' default budget"
    round_xcoms = xcoms(home, "continual_finetune", round_run_id)
    verdict, round_result = round_xcoms[("gate", "verdict")], round_xcoms[("fine_tune", "return_value")]
    assert verdict["verdict"] in ("promote", "reject") and verdict["reason"]
    assert task_states(home, "continual_finetune", round_run_id) == {
        "fine_tune": "success", "evaluate": "success", "gate": "success",
        "promote": "success" if verdict["verdict"] == "promote" else "skipped",
        "reject": "success" if verdict["verdict"] == "reject" else "skipped"}
    candidate = verdict["version"]
    info = show(s.registry_root, candidate)
    assert round_result["production"] == production and info["version"]["parent"] == production and info["verified"]
    assert info["metrics"]["training"]["steps"] == 2, "continual.default_budget reached the trainer"
    trained_on = pd.read_csv(info["metrics"]["dataset"])  # the round's new task: a snapshot of the lake's labels table
    assert sorted(zip(trained_on["text"], trained_on["label"], strict=True)) == sorted((r["text"], r["label"]) for r in records), \
        "the round's new task is exactly the labels that came in on the topic"
    assert production_version(s.registry_root) == (candidate if verdict["verdict"] == "promote" else production)
