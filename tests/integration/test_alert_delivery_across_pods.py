"""Delivery that survives pods: two consumer processes of one group that share no disk (separate run
folders, separate JSONL files) and post to one webhook. One is killed -9 right after it delivered and
recorded alerts but before it committed their offsets; the other takes its partitions over and finds
those alerts on the delivered topic. Every alert revision then reached the webhook once (counted by
idempotency key) and the union of the two JSONL files once. With a per-pod dedup store the survivor
would deliver the killed member's uncommitted alerts a second time, and this test would fail."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections import Counter

import pytest

from lam_models.adapters.alert_publisher import publish_alerts
from tests.integration.alert_support import (  # noqa: F401 (spawn is a fixture)
    FAST_GROUP,
    all_committed,
    consume_cmd,
    free_port,
    line_count,
    read_status,
    sink_lines,
    spawn,
    wait_until,
)
from tests.unit.alerting.records import make_alert
from tests.unit.alerting.webhook_server import serve

pytestmark = pytest.mark.integration

KILL_AT = 15  # the 15th recorded delivery: with sinks jsonl then webhook, alert 8 reached the file, not the webhook


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_a_killed_members_uncommitted_deliveries_are_not_repeated_by_the_member_taking_over(kafka_settings, tmp_path,
                                                                                         spawn):
    s = kafka_settings
    alerts = [make_alert(i) for i in range(160)] + [make_alert(i, revision=2) for i in range(0, 160, 5)]
    expected = {(a["alert_id"], a["revision"]) for a in alerts}
    pods = {name: tmp_path / name for name in ("pod-a", "pod-b")}
    metrics_port = free_port()
    with serve() as receiver:
        def start(name: str, **env: str) -> subprocess.Popen:
            folder = pods[name]
            folder.mkdir()
            args = ["--sink", "jsonl", "--path", str(folder / "alerts.jsonl"), "--jsonl-name", "archive",
                    "--sink", "webhook", "--url", receiver.url, "--status-file", str(folder / "status.json")]
            with open(folder / "stderr.log", "w") as log:  # a file, not a pipe nobody drains while it runs
                return spawn(consume_cmd("g-pods", *args), stdout=subprocess.DEVNULL, stderr=log,
                             env={**os.environ, **s.to_env(), **FAST_GROUP, "LAM_RUN_ROOT": str(folder / "run"), **env})

        doomed = start("pod-a", LAM_FAILPOINT=f"alerts.after_record.{KILL_AT}")
        survivor = start("pod-b", LAM_ALERTING__METRICS_PORT=str(metrics_port))
        status = {name: folder / "status.json" for name, folder in pods.items()}

        def split() -> bool:
            a, b = read_status(status["pod-a"]), read_status(status["pod-b"])
            return bool(a and b and a["assignment"] and b["assignment"]
                        and sorted(a["assignment"] + b["assignment"]) == [0, 1, 2])

        wait_until(split, 180, "the two members to split the partitions", 0.2)
        publish_alerts(s, alerts)

        assert doomed.wait(180) == -9, (pods["pod-a"] / "stderr.log").read_text()[-2000:]
        killed = read_status(status["pod-a"])
        uncommitted = KILL_AT - killed["delivered"]  # its status file is rewritten after each commit
        assert uncommitted > 0, "the kill came after deliveries whose offsets were not committed"
        assert line_count(pods["pod-a"] / "alerts.jsonl") < len(expected), "killed mid-stream"

        assert all_committed(s, "g-pods", timeout_s=180), "the survivor took the killed member's partitions over"
        assert read_status(status["pod-b"])["assignment"] == [0, 1, 2]
        metrics = scrape(metrics_port)
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(30) == 0
        summary = json.loads((pods["pod-b"] / "stderr.log").read_text().split("alerts: ")[-1])

    keys = Counter(r["headers"]["Idempotency-Key"] for r in receiver.requests)
    assert all(r["status"] == 200 and r["body"]["idempotency_key"] == r["headers"]["Idempotency-Key"]
               for r in receiver.requests)
    assert set(keys) == {f"{a}:{r}" for a, r in expected}, "every revision reached the webhook"
    assert [k for k, n in keys.items() if n > 1] == [], "and none twice"

    lines = Counter(sink_lines(pods["pod-a"] / "alerts.jsonl") + sink_lines(pods["pod-b"] / "alerts.jsonl"))
    assert set(lines) == expected, "every revision is in one of the two files"
    assert [k for k, n in lines.items() if n > 1] == [], "and in only one"

    assert summary["duplicate"] >= uncommitted, "the killed member's recorded deliveries came back as duplicates"
    assert summary["failed"] == summary["dead_lettered"] == 0
    webhook_sink = next(name for name in summary["by_sink"] if name.startswith("webhook:"))
    assert f'lam_alerts_duplicate_total{{sink="{webhook_sink}"}}' in metrics
    assert 'lam_alerts_delivered_total{sink="jsonl:archive"}' in metrics
    lag = [line for line in metrics.splitlines() if line.startswith("lam_alerts_consumer_lag{")]
    assert len(lag) == 3 and all(line.endswith(" 0.0") for line in lag), lag
