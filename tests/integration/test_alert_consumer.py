"""Alert consumer on the real broker: kill -9 and restart, two members of one group, webhook failures,
malformed alerts. Every wait polls a condition; none is a bare sleep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from lam_models.adapters.alert_consumer import build_consumer, build_sink, run_consumer
from lam_models.adapters.alert_publisher import publish_alerts
from lam_models.adapters.delivered_topic import DeliveredTopic
from lam_models.adapters.kafka_config import client_config
from lam_models.adapters.producers import encode, produce
from lam_models.alerting.config import AlertingConfig
from tests.integration.alert_support import (  # noqa: F401 (spawn is a fixture)
    FAST_GROUP,
    all_committed,
    consume_cmd,
    line_count,
    sink_lines,
    spawn,
    wait_until,
)
from tests.unit.alerting.records import make_alert
from tests.unit.alerting.webhook_server import serve

pytestmark = pytest.mark.integration

CONFIG = AlertingConfig(session_timeout_ms=6000, heartbeat_interval_ms=1000, poll_timeout_ms=200,
                        webhook_retries=2, backoff_initial_s=0.01, backoff_max_s=0.02, shutdown_timeout_s=10)


def start_member(s, group: str, sink_path: Path, tmp_path: Path, config: AlertingConfig = CONFIG, **kw):
    member = build_consumer(s, group, [build_sink("jsonl", config, path=sink_path)],
                            config.update(deadletter=str(tmp_path / "dead.jsonl")))
    thread = threading.Thread(target=run_consumer, args=(member,), kwargs={"handle_signals": False, **kw}, daemon=True)
    thread.start()
    return member, thread


def test_kill_9_mid_stream_then_restart_delivers_every_alert_exactly_once(kafka_settings, tmp_path, spawn):
    s = kafka_settings
    alerts = [make_alert(i) for i in range(400)] + [make_alert(i, revision=2) for i in range(0, 400, 5)]
    publish_alerts(s, alerts)
    produce(s, s.topics.alerts, [(a["key"].encode(), encode(a), None) for a in alerts[:30]], progress=False)  # resent
    expected = {(a["alert_id"], a["revision"]) for a in alerts}
    out = tmp_path / "alerts.jsonl"
    args = ["--sink", "jsonl", "--path", str(out), "--deadletter", str(tmp_path / "dead.jsonl"), "--instance-id", "member-1"]
    env = {**os.environ, **s.to_env(), **FAST_GROUP}

    # 1. killed between the fsynced append of the 40th alert and its record on the delivered topic: the worst moment
    crashed = subprocess.run(consume_cmd("g-kill", *args), env={**env, "LAM_FAILPOINT": "alerts.after_deliver.40"},
                             capture_output=True, text=True, timeout=240)
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    assert line_count(out) == 40

    # 2. kill -9 from outside while alerts stream in
    status = tmp_path / "status-2.json"
    second = spawn(consume_cmd("g-kill", *args, "--status-file", str(status)), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    at_kill = wait_until(lambda: line_count(out) >= 150 and line_count(out), 180, "the second run to deliver")
    second.send_signal(signal.SIGKILL)
    assert second.wait(10) == -9
    print(f"second run killed at {at_kill} of {len(expected)} alerts")
    assert at_kill < len(expected), "killed mid-stream"
    assert json.loads(status.read_text())["recovered"] == 1, "the unrecorded 40th line was reconciled on start"

    # 3. restart, let it catch up, then a graceful SIGTERM
    third = spawn(consume_cmd("g-kill", *args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    assert all_committed(s, "g-kill", timeout_s=60)
    third.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()
    assert third.wait(15) == 0
    assert time.monotonic() - stopped_at < CONFIG.shutdown_timeout_s
    summary = json.loads(third.stderr.read().split("alerts: ")[-1])
    assert summary["duplicate"] >= 30 and summary["failed"] == summary["dead_lettered"] == 0

    delivered = sink_lines(out)
    assert len(delivered) == len(set(delivered)) == len(expected), "no duplicate, no gap"
    assert set(delivered) == expected
    log = DeliveredTopic(s)
    try:
        log.catch_up()
        assert set(log.index.delivered(f"jsonl:{out.resolve()}")) == expected, "every line is recorded on the topic"
    finally:
        log.close()


def test_two_members_of_one_group_share_the_partitions(kafka_settings, tmp_path):
    s = kafka_settings
    a, a_thread = start_member(s, "g-share", tmp_path / "a.jsonl", tmp_path)
    wait_until(lambda: a.assignment == [0, 1, 2], 120, "the first member to own every partition")
    b, b_thread = start_member(s, "g-share", tmp_path / "b.jsonl", tmp_path)
    wait_until(lambda: a.assignment and b.assignment and sorted(a.assignment + b.assignment) == [0, 1, 2], 120,
               "the partitions to be split between the two members")

    alerts = [make_alert(i) for i in range(120)]
    publish_alerts(s, alerts)
    wait_until(lambda: a.counts.processed + b.counts.processed == len(alerts), 120, "both members to process all")
    a.stop(), b.stop()
    a_thread.join(15), b_thread.join(15)
    assert not a_thread.is_alive() and not b_thread.is_alive()

    got_a, got_b = set(sink_lines(tmp_path / "a.jsonl")), set(sink_lines(tmp_path / "b.jsonl"))
    assert got_a and got_b, "both members received some alerts"
    assert not got_a & got_b, "no alert reached the sink twice"
    assert got_a | got_b == {(x["alert_id"], 1) for x in alerts}
    assert a.counts.duplicate == b.counts.duplicate == 0


def test_webhook_failures_are_retried_then_dead_lettered_and_committed(kafka_settings, tmp_path):
    s = kafka_settings
    alerts = [make_alert(i) for i in range(12)]
    failing = {alerts[3]["key"], alerts[8]["key"]}
    publish_alerts(s, alerts)
    with serve() as receiver:
        receiver.fail_keys = {failing.pop(): 503, failing.pop(): 500}
        config = CONFIG.update(deadletter=str(tmp_path / "dead.jsonl"))
        member = build_consumer(s, "g-hook", [build_sink("webhook", config, url=receiver.url)], config)
        started = time.monotonic()
        counts = run_consumer(member, idle_timeout_s=1.0, handle_signals=False)
    assert time.monotonic() - started < 20, "--idle-timeout ends the run"

    assert (counts.delivered, counts.failed, counts.duplicate, counts.dead_lettered) == (10, 2, 0, 0)
    assert receiver.attempts(alerts[3]["alert_id"]) == receiver.attempts(alerts[8]["alert_id"]) == 3, "1 try + 2 retries"
    dead = [json.loads(x) for x in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert {d["alert_id"] for d in dead} == {alerts[3]["alert_id"], alerts[8]["alert_id"]}
    assert {d["reason"] for d in dead} == {"webhook: HTTP 503 after 3 attempt(s)", "webhook: HTTP 500 after 3 attempt(s)"}
    assert all(d["stage"] == "delivery" and json.loads(d["value"])["alert_id"] == d["alert_id"] for d in dead)
    assert all_committed(s, "g-hook"), "dead-lettered alerts do not block the partition"


def test_malformed_alerts_are_dead_lettered_to_the_topic_and_the_consumer_goes_on(kafka_settings, tmp_path):
    from kafka import KafkaConsumer, TopicPartition

    s = kafka_settings
    good = [make_alert(i, key="ticker:MIX") for i in range(3)]
    bad = [b'{"alert_id": ', encode({**good[0], "severity": "apocalyptic"}), b"\xff\xfe"]
    messages = [good[0], bad[0], good[1], bad[1], bad[2], good[2]]
    produce(s, s.topics.alerts, [(b"ticker:MIX", m if isinstance(m, bytes) else encode(m), None) for m in messages],
            progress=False)
    env = {**os.environ, **s.to_env(), **FAST_GROUP}
    run = subprocess.run(consume_cmd("g-bad", "--sink", "stdout", "--max-messages", "6", "--deadletter", "topic"),
                         env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [json.loads(x) for x in run.stdout.splitlines()] == good, "every good alert after a bad one is delivered"
    summary = json.loads(run.stderr.split("alerts: ")[-1])
    assert (summary["delivered"], summary["dead_lettered"], summary["failed"]) == (3, 3, 0)

    dead_topic = f"{s.topics.alerts}.deadletter"
    reader = KafkaConsumer(**client_config(s.kafka), enable_auto_commit=False)
    partitions = [TopicPartition(dead_topic, p) for p in reader.partitions_for_topic(dead_topic)]
    reader.assign(partitions)
    reader.seek_to_beginning(*partitions)
    found: list = []
    wait_until(lambda: found.extend(r for rs in reader.poll(200).values() for r in rs) or len(found) >= 3, 90,
               "three dead-letter records")
    reader.close()
    assert sorted(r.value for r in found) == sorted(bad), "raw bytes kept"
    reasons = sorted(dict(r.headers)["lam.reason"].decode().split(":")[0] for r in found)
    assert reasons == ["invalid utf-8 at byte 0", "malformed json", "schema"]
    assert all(dict(r.headers)["lam.group"] == b"g-bad" for r in found)
