"""Alerting config: defaults, env vars before the settings section exists, overrides, validation."""

from __future__ import annotations

import pytest

from lam_models.alerting.config import AlertingConfig
from tests.conftest import make_settings


def test_env_vars_and_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("LAM_ALERTING__WEBHOOK_RETRIES", "7")
    monkeypatch.setenv("LAM_ALERTING__BACKOFF_INITIAL_S", "0.25")
    monkeypatch.setenv("LAM_ALERTING__METRICS_PORT", "9400")
    settings = make_settings(tmp_path)  # built after the env vars, as the CLI builds it
    config = AlertingConfig.from_settings(settings, deadletter="topic", metrics_port=None)
    assert (config.webhook_retries, config.backoff_initial_s, config.deadletter) == (7, 0.25, "topic")
    assert config.metrics_port == 9400, "an unset CLI flag keeps the setting"
    assert AlertingConfig.from_settings(settings, metrics_port=0).metrics_port == 0, "--metrics-port 0 turns it off"
    assert config.deadletter_target(settings, "g") == "topic"


def test_defaults(settings):
    config = AlertingConfig()
    assert config.deadletter_target(settings, "g1") == settings.run_root / "alerting" / "deadletter-g1.jsonl"
    assert config.metrics_port == 0, "metrics are off unless asked for"


@pytest.mark.parametrize("bad", [{"webhook_retries": -1}, {"backoff_initial_s": 5, "backoff_max_s": 1},
                                 {"heartbeat_interval_ms": 10_000, "session_timeout_ms": 6_000},
                                 {"metrics_port": 70_000}, {"delivered_timeout_s": 0}])
def test_bad_values_are_rejected(bad):
    with pytest.raises(ValueError, match="alerting"):
        AlertingConfig(**bad)
