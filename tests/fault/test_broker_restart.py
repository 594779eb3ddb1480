"""Broker restarts mid-produce (kill -9 of the broker) and mid-ingest (clean restart): nothing lost, nothing duplicated.

Both restart the session's test broker in place (same port, same data folder) and leave it running.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from jobs import ingest
from lam_models.adapters.broker import _alive
from lam_models.adapters.kafka_admin import OffsetReader, read_topic_since
from lam_models.adapters.producers import produce
from tests.fault.conftest import bronze, committed_offsets, deadletter, planned
from tests.records import good_news

pytestmark = [pytest.mark.integration, pytest.mark.fault]


def _restart(broker, hard: bool) -> float:
    """Stop the broker (SIGKILL when ``hard``, else a clean SIGTERM stop), start it again; returns seconds down."""
    began = time.monotonic()
    if hard:
        pid = broker.pid()
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):  # also reaps it: the broker is this process's child
            time.sleep(0.05)
    else:
        broker.stop()
    broker.start()
    return time.monotonic() - began


def _spread(messages):
    """The same records keyed over several partitions (good_news keys them all alike)."""
    return [(f"k{i % 7}".encode(), value, stamp) for i, (_, value, stamp) in enumerate(messages)]


def _settle(thread: threading.Thread, timeout_s: float) -> None:
    thread.join(timeout_s)
    assert not thread.is_alive(), f"still running {timeout_s} s after the broker came back"


def test_broker_kill_9_mid_produce_loses_and_duplicates_nothing(kafka_settings, broker, figures):
    s = kafka_settings
    n = 3000
    messages = _spread(good_news(n, days=3))
    halfway = threading.Event()

    def slowly():
        for i, message in enumerate(messages):
            if i == n // 5:
                halfway.set()
            if i % 50 == 0:
                time.sleep(0.05)  # ~3 s of sending: most of it while the broker is down or recovering
            yield message

    outcome: dict = {}

    def send():
        try:
            outcome["sent"] = produce(s, s.topics.news, slowly(), progress=False)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = repr(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    assert halfway.wait(60)
    down_s = _restart(broker, hard=True)
    _settle(sender, 180)
    assert "error" not in outcome, outcome.get("error")

    on_topic = read_topic_since(s, s.topics.news, {})
    want = [value for _, value, _ in messages]
    assert len(on_topic) == n, f"{len(on_topic)} records on the topic for {n} sent"
    assert sorted(on_topic) == sorted(want), "every record exactly once (idempotent producer retries)"
    # downstream is the topic: the ingest reads exact offset ranges of it (its own restart case is below)

    figures["broker_restart_mid_produce"] = {
        "records_tried": n, "rejected": 0, "lost": n - len(set(on_topic)), "duplicates": len(on_topic) - len(set(on_topic)),
        "broker_restarts": 1, "broker_down_s": round(down_s, 1), "restart": "kill -9 of the broker",
    }


def test_broker_restart_mid_ingest_loses_and_duplicates_nothing(kafka_settings, broker, spark, figures):
    s = kafka_settings
    n = 3000
    produce(s, s.topics.news, _spread(good_news(n, days=3)), progress=False)
    batch_planned = planned(s, "ingest", s.topics.news)
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = ingest.run("news", s)
        except Exception as exc:  # noqa: BLE001 - a failed run is allowed: the rerun must finish it
            outcome["error"] = repr(exc)[:300]

    job = threading.Thread(target=run, daemon=True)
    job.start()
    deadline = time.monotonic() + 120
    while not batch_planned() and job.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert batch_planned() or "result" in outcome, "the ingest never planned its ranges"
    down_s = _restart(broker, hard=False)
    _settle(job, 300)

    recovery = ingest.run("news", s)  # finishes a failed run from its recorded plan; a no-op after a good one
    rows = bronze(s)
    assert len(rows) == n and rows["id"].is_unique, f"{len(rows)} rows, {rows['id'].nunique()} ids for {n} records"
    assert deadletter(s).empty, "no record was judged a duplicate"
    committed = committed_offsets(s, s.topics.news)
    with OffsetReader(s, s.topics.news) as offsets:
        end = offsets.latest()
    assert len([o for o in end.values() if o]) > 1, "the records span partitions"
    assert {p: o for p, o in committed.items() if o} == {p: o for p, o in end.items() if o}, "committed to the end, not beyond"
    assert ingest.run("news", s).records_in == 0
    figures["broker_restart_mid_ingest"] = {
        "records_tried": n, "rejected": 0, "lost": n - int(rows["id"].nunique()), "duplicates": len(rows) - int(rows["id"].nunique()),
        "broker_restarts": 1, "broker_down_s": round(down_s, 1), "restart": "clean stop + start",
        "first_run": "failed: " + outcome["error"] if "error" in outcome else "completed",
        "recovery_run_records": recovery.records_in,
    }
