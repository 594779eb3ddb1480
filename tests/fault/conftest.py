"""Fault-suite helpers: lake readers, a kill-9 subprocess runner, the crash invariants, and the figures file.

Every test records its figures in the session-wide ``figures`` dict; when ``LAM_FAULT_FIGURES`` names a
file (``bench/results/faults.json`` to refresh the committed figures), they are merged into it at the end
of the session (one section per test group, each with the time it was measured), so a partial run
updates only what it measured. A plain test run writes no tracked file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from lam_models import catalog
from lam_models.delta_tables import transaction_version
from tests.conftest import REPO
from tests.lake_tables import read

FIGURES_FILE = Path(os.environ["LAM_FAULT_FIGURES"]) if os.environ.get("LAM_FAULT_FIGURES") else None
SUBPROCESS_TIMEOUT_S = 240
NOT_HERE = {
    "consumer_faults": "alert consumer kill -9, restart and duplicate delivery (each alert once per sink): "
                       "tests/integration/test_alert_consumer.py",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: the fault-injection suite (tests/fault)")


@pytest.fixture(scope="session")
def figures():
    """Section name -> figures; merged into ``LAM_FAULT_FIGURES`` (when set) when the session ends."""
    collected: dict[str, dict] = {}
    yield collected
    if not collected or FIGURES_FILE is None:
        return
    existing = json.loads(FIGURES_FILE.read_text()) if FIGURES_FILE.is_file() else {}
    sections = existing.get("sections", {})
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for name, values in collected.items():
        sections[name] = {**values, "measured_at": stamp}
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_FILE.write_text(json.dumps({"totals": _totals(sections), "sections": sections, "not_here": NOT_HERE},
                                       indent=1, sort_keys=True) + "\n")


def _totals(sections: dict[str, dict]) -> dict:
    keys = ("records_tried", "rejected", "lost", "duplicates", "crashes_attempted", "crashes_survived", "broker_restarts")
    return {k: sum(int(s.get(k, 0)) for s in sections.values()) for k in keys}


# ---------------------------------------------------------------- lake readers

def read_table(settings, table: str) -> pd.DataFrame:
    return read(catalog.path(settings.lake_root, table))


def bronze(settings) -> pd.DataFrame:
    return _sorted(read_table(settings, "bronze/news"), ["id"])


def deadletter(settings, normalise_clock: bool = False) -> pd.DataFrame:
    """Dead-letter rows by offset; ``normalise_clock`` blanks the one clock-dependent detail of a reason.

    The "event time in the future" limit is now + skew of the run that planned the range; two independent
    runs (the reference and a crashed-and-recovered one) plan at different moments.
    """
    frame = _sorted(read_table(settings, "deadletter"), ["kafka_partition", "kafka_offset"])
    if normalise_clock and not frame.empty:
        frame["reason"] = frame["reason"].str.replace(r"^(event time in the future: \S+) > \S+$", r"\1 > [planned now + skew]", regex=True)
    return frame


def silver(settings) -> pd.DataFrame:
    return _sorted(read_table(settings, "silver/news"), ["id"])


def alerts_snapshot(settings) -> pd.DataFrame:
    frame = read(catalog.path(settings.lake_root, "gold/alerts"))
    return frame if frame.empty else _sorted(frame, ["alert_id"])


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    frame = frame[sorted(frame.columns)]
    for column in frame.columns:  # partition columns come back as categoricals
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    return frame.sort_values(by, kind="stable").reset_index(drop=True)


def assert_rows_identical(got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
    """Row-identical after sorting: same columns, same values (embeddings compared element-wise)."""
    assert len(got) == len(want), f"{what}: {len(got)} rows, expected {len(want)}"
    assert list(got.columns) == list(want.columns), f"{what}: columns differ"
    for column in got.columns:
        left, right = got[column].tolist(), want[column].tolist()
        if column == "embedding":
            import numpy as np

            assert np.array_equal(np.stack(left), np.stack(right)), f"{what}: embeddings differ"
        else:
            same = [(a == b) or (a is None and b is None) or (_isnan(a) and _isnan(b)) for a, b in zip(_plain(left), _plain(right))]
            assert all(same), f"{what}: column {column} differs at rows {[i for i, s in enumerate(same) if not s][:5]}"


def _plain(values: list) -> list:
    out = []
    for v in values:
        if hasattr(v, "tolist"):
            v = v.tolist()
        out.append(bytes(v) if isinstance(v, (bytearray, memoryview)) else v)
    return out


def _isnan(value) -> bool:
    return isinstance(value, float) and value != value


# ---------------------------------------------------------------- subprocess jobs

def job_env(settings, **extra: str) -> dict[str, str]:
    """The job's environment: the test's settings as ``LAM_*`` vars (secrets left out), a small local Spark."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LAM_") or k in ("LAM_HOME_DIR", "LAM_DATA_DIR")}
    return {**base, **settings.to_env(), "LAM_SPARK__MASTER": "local[2]", "LAM_SPARK__SHUFFLE_PARTITIONS": "2",
            "LAM_SPARK__DRIVER_MEMORY": "1g", "PYTHONUNBUFFERED": "1",
            "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1",  # short-lived JVMs start faster on few cores
            **extra}


def python_cmd(code: str) -> list[str]:
    return [sys.executable, "-c", code]


CHAIN = "from jobs import ingest, score; ingest.main(['--topic', 'news']); score.main([])"
MONITOR = "from jobs import monitor; monitor.main([])"


def run_to_failpoint(cmd: list[str], env: dict[str, str], failpoint: str) -> dict:
    """Run a job with ``LAM_FAILPOINT`` set; it must die by SIGKILL at that point."""
    outcome = kill_when(cmd, {**env, "LAM_FAILPOINT": failpoint}, ready=lambda: False, delay_s=0)
    assert outcome["returncode"] == -signal.SIGKILL, f"{failpoint}: exit {outcome['returncode']}\n{outcome['output'][-3000:]}"
    return outcome


def kill_when(cmd: list[str], env: dict[str, str], ready, delay_s: float, timeout_s: float = SUBPROCESS_TIMEOUT_S) -> dict:
    """Start a job, wait until ``ready()`` is true, sleep ``delay_s``, then ``kill -9`` it (unless it already ended).

    The job runs in its own process group: the kill takes its Spark JVM and Python workers with it, and
    whatever of the group outlives the job (a JVM whose driver died at a failpoint) is killed after it.
    Returns whether it was killed, after how many seconds, its exit code and its output.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        killed = False
        try:
            while not ready() and process.poll() is None:
                if time.monotonic() - started > timeout_s:
                    raise AssertionError(f"the job never reached the kill window in {timeout_s} s")
                time.sleep(0.05)
            deadline = time.monotonic() + delay_s
            while time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.02)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                killed = True
            process.wait(timeout=60)
        finally:
            _kill_group(process)
        log.seek(0)
        output = log.read().decode(errors="replace")
    return {"killed": killed, "after_s": round(time.monotonic() - started, 2), "returncode": process.returncode, "output": output}


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait()


# ---------------------------------------------------------------- invariants at the crash point

def state_files(settings) -> list[str]:
    """The Spark checkpoint files the jobs have written (each batch's planned offsets, each committed batch)."""
    root = settings.lake_root / "_checkpoints"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.parent.name in ("offsets", "commits")) if root.exists() else []


def committed_batch(settings, job: str, source: str) -> int | None:
    """The last batch the job's streaming read committed (its checkpoint's commit log), None before any."""
    commits = catalog.checkpoint(settings.lake_root, job, source) / "commits"
    done = [int(p.name) for p in commits.iterdir() if p.name.isdigit()] if commits.is_dir() else []
    return max(done) if done else None


def committed_offsets(settings, topic: str) -> dict[int, int]:
    """Per partition, the offset the ingest's last committed batch read up to (from Spark's checkpoint)."""
    batch = committed_batch(settings, "ingest", topic)
    if batch is None:
        return {}
    lines = (catalog.checkpoint(settings.lake_root, "ingest", topic) / "offsets" / str(batch)).read_text().splitlines()
    return {int(p): int(o) for p, o in json.loads(lines[2])[topic].items()}


def planned(settings, job: str, source: str):
    """A test's wait condition: the job's streaming read has recorded its first batch's offsets."""
    return lambda: (catalog.checkpoint(settings.lake_root, job, source) / "offsets" / "0").exists()


def _query_app(settings, job: str, source: str) -> str:
    query_id = json.loads((catalog.checkpoint(settings.lake_root, job, source) / "metadata").read_text())["id"]
    return f"lam-{job}-{query_id}"


def assert_ingest_offsets_not_ahead(settings) -> None:
    """Every offset below the committed ingest position is in bronze or dead-letter already, and every
    batch the checkpoint committed holds its Delta transactions in both tables."""
    offsets = {p: o for p, o in committed_offsets(settings, settings.topics.news).items() if o}
    if not offsets:
        return
    batch, app = committed_batch(settings, "ingest", settings.topics.news), _query_app(settings, "ingest", settings.topics.news)
    for table in ("bronze/news", "deadletter"):
        written = transaction_version(catalog.path(settings.lake_root, table), app)
        assert written is not None and written >= batch, f"{table} behind the checkpoint"
    seen: set[tuple[int, int]] = set()
    for frame in (read_table(settings, "bronze/news"), read_table(settings, "deadletter")):
        if not frame.empty:
            seen |= set(zip(frame["kafka_partition"].astype(int), frame["kafka_offset"].astype(int)))
    missing = [(p, o) for p, end in offsets.items() for o in range(end) if (p, o) not in seen]  # fresh topics start at 0
    assert not missing, f"ingest committed offsets ahead of its output: {missing[:5]}"


def assert_score_files_not_ahead(settings) -> None:
    """Every batch the scoring job's checkpoint committed has its silver commit (its Delta transaction)."""
    batch = committed_batch(settings, "score", "news")
    if batch is None:
        return
    app = _query_app(settings, "score", "news")
    written = transaction_version(catalog.path(settings.lake_root, "silver/news"), app)
    assert written is not None and written >= batch, f"score committed batch {batch} without its silver rows"