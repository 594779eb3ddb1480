"""Helpers of the alert-consumer integration tests: condition waits, sink and group read-backs, consumer processes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lam_models.adapters.kafka_config import client_config

FAST_GROUP = {"LAM_ALERTING__SESSION_TIMEOUT_MS": "6000", "LAM_ALERTING__HEARTBEAT_INTERVAL_MS": "1000",
              "LAM_ALERTING__POLL_TIMEOUT_MS": "200"}


def wait_until(condition, timeout_s: float, what: str, every_s: float = 0.02):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def sink_lines(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [(a["alert_id"], a["revision"]) for a in map(json.loads, path.read_text().splitlines())]


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def read_status(path: Path) -> dict | None:
    """A consumer's --status-file, or None before its first write."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def all_committed(s, group: str, timeout_s: float = 0.0) -> bool:
    """Whether the group's committed offsets reached the end of every partition (polled up to ``timeout_s``)."""
    from kafka import KafkaConsumer, TopicPartition

    probe = KafkaConsumer(**client_config(s.kafka), group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(s.topics.alerts, p) for p in probe.partitions_for_topic(s.topics.alerts)]
        end = probe.end_offsets(tps)
        done = lambda: all((probe.committed(tp) or 0) == end[tp] for tp in tps)  # noqa: E731
        return bool(done() if timeout_s <= 0 else wait_until(done, timeout_s, f"group {group} to commit everything", 0.2))
    finally:
        probe.close()


def consume_cmd(group: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "lam_models", "alerts", "consume", "--group", group, *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def spawn():
    """Popen that never outlives its test: a failed assertion must not leave a consumer running."""
    started: list[subprocess.Popen] = []

    def start(*args, **kwargs) -> subprocess.Popen:
        started.append(subprocess.Popen(*args, **kwargs))
        return started[-1]

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
