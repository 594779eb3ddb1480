"""DAG tests: run the Airflow CLI against a throwaway AIRFLOW_HOME (SQLite) and the repo's ``dags/``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW = Path(sys.executable).with_name("airflow")
DAG_IDS = ("nightly", "backfill", "continual_finetune")
TASK_FAILED = ("new_state=up_for_retry", "new_state=failed")


def airflow_env(home: Path, lam_env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's env minus any Airflow/LAM config, plus an isolated Airflow and ``lam_env``.

    ``PYTHONPATH`` puts this checkout first, so ``jobs`` and ``lam_models`` are imported from it
    (and not from wherever the venv's editable install points).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LAM_")) or k == "LAM_HOME_DIR"}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    })
    env.update(lam_env or {})
    return env


def migrate(home: Path) -> Path:
    """``airflow db migrate`` into ``home`` (a fresh SQLite metadata DB); returns ``home``."""
    proc = subprocess.run([str(AIRFLOW), "db", "migrate"], env=airflow_env(home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return home


def run_airflow(args: list[str], env: dict[str, str], log_path: Path, timeout_s: float = 480) -> str:
    """Run ``airflow *args``; fail fast (kill its process group) as soon as a task fails.

    ``airflow dags test`` honours the DAG's retries and waits out the retry delay, so a failing
    task would otherwise hold the test for many minutes before the run is marked failed.

    Returns:
        The command's combined output.
    """
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(AIRFLOW), *args], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline, text, failure = time.monotonic() + timeout_s, "", None
    with open(log_path, "rb") as reader:
        while failure is None:
            done = proc.poll() is not None
            text += reader.read().decode(errors="replace")
            if any(marker in text for marker in TASK_FAILED):
                failure = "a task failed"
            elif done:
                break
            elif time.monotonic() > deadline:
                failure = f"still running after {timeout_s:.0f} s"
            else:
                time.sleep(0.5)
    if failure is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    text = log_path.read_text(errors="replace")
    if failure or proc.returncode != 0:
        pytest.fail(f"airflow {' '.join(args)}: {failure or f'exit code {proc.returncode}'}; log {log_path}\n{text[-6000:]}")
    return text


def latest_xcoms(home: Path, dag_id: str) -> dict[tuple[str, str], object]:
    """``{(task_id, key): value}`` of the latest run of ``dag_id``, read from the SQLite metadata DB."""
    with sqlite3.connect(home / "airflow.db") as db:
        (run_id,) = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
        rows = db.execute("SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)).fetchall()
    return {(task, key): json.loads(value) if isinstance(value, str) else value for task, key, value in rows}


def run_state(home: Path, dag_id: str) -> str:
    with sqlite3.connect(home / "airflow.db") as db:
        (state,) = db.execute("SELECT state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)).fetchone()
    return state
