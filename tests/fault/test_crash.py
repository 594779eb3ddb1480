"""kill -9 of the ingest, scoring and monitor jobs (named failpoints and random moments, several seeds).

Each scenario runs the real job in a subprocess on its own lake over the same input as an uninterrupted
reference run, kills it, checks the crash-point invariants (no offset or file committed ahead of the
output), recovers by simply running the jobs again, and requires bronze, dead-letter and silver (or the
alerts table and the alerts topic) to be row-identical to the reference: no loss, no duplicate rows,
no alert delivered twice.
"""

from __future__ import annotations

import json
import random
import shutil

import pytest

from jobs import ingest, monitor, score
from lam_models import catalog
from lam_models.delta_tables import is_table, read_frame
from lam_models.adapters.kafka_admin import ensure_topics, read_topic_since
from lam_models.adapters.producers import produce
from tests.badrecords import mixed_traffic
from tests.conftest import make_settings
from tests.fault.conftest import (
    CHAIN,
    MONITOR,
    alerts_snapshot,
    assert_ingest_offsets_not_ahead,
    assert_rows_identical,
    assert_score_files_not_ahead,
    bronze,
    deadletter,
    job_env,
    kill_when,
    planned,
    python_cmd,
    run_to_failpoint,
    silver,
    state_files,
)
from tests.unit.test_no_pickle import pickle_like_files

pytestmark = [pytest.mark.integration, pytest.mark.fault]

INGEST_ONLY = "from jobs import ingest; ingest.main(['--topic', 'news'])"


# ------------------------------------------------------------------ ingest -> score

@pytest.fixture(scope="module")
def chain_reference(broker, spark, tmp_path_factory):
    """One topic of mixed good and bad news, and the uninterrupted ingest + score run over it."""
    ref = make_settings(tmp_path_factory.mktemp("chain-ref"))
    ensure_topics(ref)
    traffic = mixed_traffic(n_bad=120, n_good=60, seed=21)
    produce(ref, ref.topics.news, (m.message for m in traffic), progress=False)
    ingest.run("news", ref)
    score.run(ref)
    frames = {"bronze": bronze(ref), "deadletter": deadletter(ref, normalise_clock=True), "silver": silver(ref)}
    assert len(frames["silver"]) == len(frames["bronze"]) > 0
    return ref, frames, len(traffic)


def _recover_and_compare(s, frames) -> None:
    """Rerun both jobs; outputs must equal the reference; a further run has nothing to do."""
    ingest.run("news", s)
    score.run(s)
    for table, read in (("bronze", bronze), ("deadletter", lambda x: deadletter(x, normalise_clock=True)), ("silver", silver)):
        assert_rows_identical(read(s), frames[table], table)
    assert ingest.run("news", s).records_in == 0 and score.run(s).rows_out == 0, "nothing left to do after recovery"
    assert not pickle_like_files(s.lake_root)


def _check_crash_point(s) -> None:
    assert_ingest_offsets_not_ahead(s)
    assert_score_files_not_ahead(s)


def _random_kill(s, seed: int, code: str, anchor: str, ready, low: float, high: float) -> dict:
    delay = random.Random(seed).uniform(low, high)
    outcome = kill_when(python_cmd(code), job_env(s), ready, delay)
    return {"seed": seed, "anchor": anchor, "delay_s": round(delay, 2), "killed": outcome["killed"],
            "killed_after_s": outcome["after_s"], "state_at_kill": state_files(s)}


def _add(figures, tried: int, crashes: list[dict]) -> None:
    section = figures.setdefault("crashes", {"records_tried": 0, "crashes_attempted": 0, "crashes_survived": 0, "lost": 0,
                                             "duplicates": 0, "sequence": []})
    section["records_tried"] += tried
    section["crashes_attempted"] += len(crashes)
    section["crashes_survived"] += sum(1 for c in crashes if c["killed"])
    section["sequence"] += crashes


def test_ingest_and_score_survive_kill_9_at_random_moments_and_at_every_failpoint(chain_reference, tmp_path_factory, figures):
    """Five crashes in a row on one lake, each run picking up what the last one left; then one clean rerun."""
    ref, frames, tried = chain_reference
    s = make_settings(tmp_path_factory.mktemp("chain-crashes"), topics=ref.topics)  # same input topic, own lake
    env = job_env(s)
    crashes = []

    crashes.append({"job": "ingest", **_random_kill(s, 1, INGEST_ONLY, "batch offsets recorded", planned(s, "ingest", s.topics.news), 0.0, 2.0)})
    _check_crash_point(s)

    for failpoint in ("ingest.before_deadletter", "ingest.before_commit"):
        run_to_failpoint(python_cmd(INGEST_ONLY), env, failpoint)  # each replays the batch the first run recorded
        _check_crash_point(s)
        crashes.append({"job": "ingest", "failpoint": failpoint, "killed": True, "state_at_kill": state_files(s)})
    assert len(bronze(s)) == len(frames["bronze"]), "before_commit: written, batch not committed"

    crashes.append({"job": "ingest+score", **_random_kill(s, 2, CHAIN, "score batch recorded", planned(s, "score", "news"), 0.0, 5.0)})
    _check_crash_point(s)

    run_to_failpoint(python_cmd(CHAIN), env, "score.before_commit")
    _check_crash_point(s)
    crashes.append({"job": "ingest+score", "failpoint": "score.before_commit", "killed": True, "state_at_kill": state_files(s)})

    _recover_and_compare(s, frames)
    _add(figures, tried, crashes)


# ------------------------------------------------------------------ monitor

@pytest.fixture(scope="module")
def monitor_reference(broker, spark, tmp_path_factory):
    """Synthetic scored silver with an injected spike, and the uninterrupted monitor run over it."""
    from lam_models.monitor.synthetic import make_scored_headlines
    from tests.integration.test_monitor_job import SPIKE, write_silver

    ref = make_settings(tmp_path_factory.mktemp("monitor-ref"))
    ensure_topics(ref)
    write_silver(ref, make_scored_headlines(3000, days=20, n_tickers=6, spikes=(SPIKE,), seed=3))
    result = monitor.run(ref)
    assert result.alerts >= 1 and result.published == result.alerts
    return ref, _monitor_outputs(ref)


def _monitor_outputs(s) -> dict:
    on_topic = [json.loads(v) for v in read_topic_since(s, s.topics.alerts, {})]
    windows = read_frame(catalog.path(s.lake_root, "gold/monitor_windows"))
    return {
        "topic": sorted((a["alert_id"], a["revision"], a["fingerprint"]) for a in on_topic),
        "alerts": alerts_snapshot(s),
        "windows": None if windows is None else windows.sort_values(["window_size", "key", "window_start"]).reset_index(drop=True),
    }


def _monitor_scenario(ref, tmp_path_factory, name: str):
    s = make_settings(tmp_path_factory.mktemp(name))  # own alerts topic: the topic is output here
    ensure_topics(s)
    shutil.copytree(catalog.path(ref.lake_root, "silver/news"), catalog.path(s.lake_root, "silver/news"))
    return s


def _monitor_crash_point(s) -> None:
    """What the alerts table records as sent is on the topic (the table is written after the sends)."""
    stored = alerts_snapshot(s)
    topic = {(a["alert_id"], a["revision"]) for a in map(json.loads, read_topic_since(s, s.topics.alerts, {}))}
    if not stored.empty:
        assert set(zip(stored["alert_id"], stored["revision"])) <= topic


def _monitor_recover_and_compare(s, want: dict) -> None:
    """Rerun the monitor; table and topic must equal the reference (that a rerun then sends nothing is a
    property of ``deliveries``, tested in test_properties, and of the job, in tests/integration/test_monitor_job)."""
    monitor.run(s)
    got = _monitor_outputs(s)
    assert got["topic"] == want["topic"], "each alert revision on the topic exactly once, as in the reference"
    assert_rows_identical(got["alerts"], want["alerts"], "gold/alerts")
    assert_rows_identical(got["windows"], want["windows"], "gold/monitor_windows")
    assert not pickle_like_files(s.lake_root)


def test_monitor_survives_a_random_kill_9_and_its_failpoint(monitor_reference, tmp_path_factory, figures):
    ref, want = monitor_reference
    s = _monitor_scenario(ref, tmp_path_factory, "monitor-crashes")
    windows = catalog.path(s.lake_root, "gold/monitor_windows")  # written just before the sends
    crash = {"job": "monitor", **_random_kill(s, 3, MONITOR, "window table written", lambda: is_table(windows), 0.0, 0.4)}
    crash["alerts_on_topic_at_kill"] = len(read_topic_since(s, s.topics.alerts, {}))
    _monitor_crash_point(s)

    run_to_failpoint(python_cmd(MONITOR), job_env(s), "monitor.before_commit")
    _monitor_crash_point(s)
    assert _monitor_outputs(s)["topic"] == want["topic"], "killed after sending: every alert out once, none twice"

    _monitor_recover_and_compare(s, want)
    _add(figures, 0, [crash, {"job": "monitor", "failpoint": "monitor.before_commit", "killed": True}])
    figures["crashes"]["alerts_in_reference"] = len(want["topic"])
