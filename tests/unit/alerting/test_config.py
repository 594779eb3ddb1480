"""Alerting config: defaults, env vars before the settings section exists, overrides, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from lam_models.alerting.config import AlertingConfig
from tests.conftest import make_settings


def test_env_vars_and_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("LAM_ALERTING__WEBHOOK_RETRIES", "7")
    monkeypatch.setenv("LAM_ALERTING__BACKOFF_INITIAL_S", "0.25")
    monkeypatch.setenv("LAM_ALERTING__DEDUP_DB", "/tmp/x.sqlite")
    settings = make_settings(tmp_path)  # built after the env vars, as the CLI builds it
    config = AlertingConfig.from_settings(settings, deadletter="topic", dedup_db=None)
    assert (config.webhook_retries, config.backoff_initial_s, config.deadletter) == (7, 0.25, "topic")
    assert config.dedup_path(settings) == Path("/tmp/x.sqlite")
    assert config.deadletter_target(settings, "g") == "topic"


def test_default_paths_live_under_run_root(settings):
    config = AlertingConfig()
    assert config.dedup_path(settings) == settings.run_root / "alerting" / "dedup.sqlite"
    assert config.deadletter_target(settings, "g1") == settings.run_root / "alerting" / "deadletter-g1.jsonl"


@pytest.mark.parametrize("bad", [{"webhook_retries": -1}, {"backoff_initial_s": 5, "backoff_max_s": 1},
                                 {"heartbeat_interval_ms": 10_000, "session_timeout_ms": 6_000}])
def test_bad_values_are_rejected(bad):
    with pytest.raises(ValueError, match="alerting"):
        AlertingConfig(**bad)
