"""Alerting knobs: dead-letter, webhook retries, delivered log, metrics and consumer timeouts (defaults in one place).

``Settings.alerting`` is this model (``LAM_ALERTING__*`` env vars).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from lam_models.config_model import FrozenConfig

if TYPE_CHECKING:
    from lam_models.settings import Settings


class AlertingConfig(FrozenConfig):
    """How the alert consumer and its sinks behave."""

    deadletter: str | None = Field(None, description="where undeliverable or malformed alerts go: a JSON-lines path, ``\"topic\"`` for ``<alerts>.deadletter``, or None = ``<run_root>/alerting/deadletter-<group>.jsonl``.")
    webhook_timeout_s: float = Field(5.0, description="HTTP timeout of one webhook attempt.")
    webhook_retries: int = Field(4, description="attempts after the first one before an alert is dead-lettered.")
    backoff_initial_s: float = Field(0.5, description="wait before the first retry; doubles each retry.")
    backoff_max_s: float = Field(8.0, description="cap on one wait.")
    poll_timeout_ms: int = Field(500, description="longest blocking poll; a stop request is noticed within it.")
    shutdown_timeout_s: float = Field(15.0, description="a stop that takes longer than this exits the process hard (exit code 3).")
    max_poll_records: int = Field(100, description="records per poll, i.e. per offset commit at most.")
    session_timeout_ms: int = Field(10_000, description="group session timeout (a killed member leaves the group after it).")
    heartbeat_interval_ms: int = Field(3_000, description="group heartbeat interval (about a third of the session timeout).")
    max_poll_interval_ms: int = Field(300_000, description="longest time between polls before the member is evicted.")
    delivered_timeout_s: float = Field(60.0, description="longest wait to read the delivered topic (``<alerts>.delivered``, the dedup state shared by every pod) to its end, or to have one delivery acknowledged there; past it the member stops without committing rather than deliver blind.")
    metrics_port: int = Field(0, description="serve Prometheus metrics on ``http://0.0.0.0:<port>/metrics``; 0 = off.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.webhook_retries < 0 or self.backoff_initial_s < 0 or self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("alerting: webhook_retries >= 0 and 0 <= backoff_initial_s <= backoff_max_s are required")
        if self.poll_timeout_ms < 1 or self.shutdown_timeout_s <= 0 or self.max_poll_records < 1:
            raise ValueError("alerting: poll_timeout_ms, shutdown_timeout_s and max_poll_records must be positive")
        if self.delivered_timeout_s <= 0 or not 0 <= self.metrics_port <= 65535:
            raise ValueError("alerting: delivered_timeout_s must be positive and metrics_port in 0..65535 (0 = off)")
        if self.heartbeat_interval_ms >= self.session_timeout_ms:
            raise ValueError("alerting: heartbeat_interval_ms must be below session_timeout_ms (about a third of it)")
        return self

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> AlertingConfig:
        """The ``alerting`` section of ``settings``, then the non-None ``overrides``."""
        return settings.alerting.update(**{k: v for k, v in overrides.items() if v is not None})

    def deadletter_target(self, settings: Settings, group: str) -> str | Path:
        """``"topic"`` or the dead-letter JSON-lines file of a consumer group."""
        if self.deadletter == "topic":
            return "topic"
        if self.deadletter:
            return Path(self.deadletter).expanduser()
        return settings.run_root / "alerting" / f"deadletter-{group}.jsonl"
