"""One alert record from the topic: parse, validate, then per sink dedup, deliver with retries, record (no Kafka here).

Every record ends in exactly one outcome per sink: ``delivered``, ``duplicate`` (this or a higher
revision reached that sink before, from any member of any pod), ``failed`` (the sink kept failing:
dead-lettered) or ``dead_lettered`` (malformed: bad UTF-8, bad JSON, not an object, or not
``schemas/alert.json``; one dead-letter entry, the outcome of every sink). A delivery is recorded in
the shared delivered log before ``handle`` returns, so before the caller commits the offset. Only a
failure to write the dead-letter or the delivered log propagates: the caller must then stop without
committing the offset.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lam_models.alerting.deadletter import DeadLetter
from lam_models.alerting.delivered import DeliveredLog, Delivery
from lam_models.alerting.sinks import RetryPolicy, Sink, deliver_with_retry, encode_alert
from lam_models.contracts import load_contract

Outcome = Literal["delivered", "duplicate", "failed", "dead_lettered"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "duplicate", "failed", "dead_lettered")


@dataclass
class Counts:
    """What one consumer did: records read, and outcomes per sink (read by the status file and /metrics)."""

    processed: int = 0
    by_sink: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def for_sinks(cls, names: list[str]) -> Counts:
        """Zero counts for every sink up front, so each one is reported before its first record."""
        return cls(by_sink={name: dict.fromkeys(OUTCOMES, 0) for name in names})

    def add(self, sink: str, outcome: Outcome) -> None:
        self.by_sink[sink][outcome] += 1

    def total(self, outcome: Outcome) -> int:
        return sum(per_sink[outcome] for per_sink in self.by_sink.values())

    @property
    def delivered(self) -> int:
        return self.total("delivered")

    @property
    def duplicate(self) -> int:
        return self.total("duplicate")

    @property
    def failed(self) -> int:
        return self.total("failed")

    @property
    def dead_lettered(self) -> int:
        return self.total("dead_lettered")

    def as_dict(self) -> dict[str, Any]:
        """Totals over the sinks, records read, and the per-sink breakdown."""
        return {**{o: self.total(o) for o in OUTCOMES}, "processed": self.processed,
                "by_sink": {name: dict(per_sink) for name, per_sink in self.by_sink.items()}}


def parse_alert(value: bytes | None) -> tuple[dict[str, Any] | None, str | None]:
    """The alert in a record value, or None and the reason it is malformed."""
    if value is None:
        return None, "empty record (no value)"
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"invalid utf-8 at byte {exc.start}"
    try:
        alert = json.loads(text)
    except ValueError as exc:
        return None, f"malformed json: {exc}"
    if not isinstance(alert, dict):
        return None, "not a JSON object"
    try:
        load_contract("alert").validate(alert)
    except ValueError as exc:  # fastjsonschema's JsonSchemaValueException
        return None, f"schema: {getattr(exc, 'message', exc)}"
    return alert, None


class AlertHandler:
    """Turns records into deliveries on each of its sinks, exactly one outcome per record and sink.

    Args:
        sinks: where alerts go, in delivery order.
        delivered: what reached which sink, shared by every member of every pod (``DeliveredTopic``).
        deadletter: where malformed and undeliverable records go.
        policy: retries and backoff of a failing delivery.
        wait: sleeps between retries; returns True to abandon (stop requested).
        context: fields written into every dead-letter entry (e.g. the group).
        crash_point: called with a named point between delivering and recording, and between recording
            and committing (the consumer passes ``adapters.failpoints.hit``, for the crash tests).
    """

    def __init__(self, sinks: list[Sink], delivered: DeliveredLog, deadletter: DeadLetter, policy: RetryPolicy,
                 wait: Callable[[float], bool], context: dict[str, Any] | None = None,
                 crash_point: Callable[[str], None] = lambda name: None) -> None:
        if not sinks or len({s.name for s in sinks}) < len(sinks):
            raise ValueError(f"a handler needs one or more sinks with distinct names, got {[s.name for s in sinks]}")
        self.sinks = list(sinks)
        self.delivered = delivered
        self.deadletter = deadletter
        self.policy = policy
        self.wait = wait
        self.context = dict(context or {})
        self.crash_point = crash_point
        self.counts = Counts.for_sinks([s.name for s in self.sinks])
        self.recovered = 0

    def start(self) -> int:
        """Read the delivered log, then reconcile each sink with it after a crash; returns the deliveries recovered."""
        self.delivered.catch_up()
        self.recovered = sum(sink.recover(self.delivered) for sink in self.sinks)
        return self.recovered

    def handle(self, value: bytes | None, **where: Any) -> dict[str, Outcome]:
        """Process one record; ``where`` (topic, partition, offset, key) goes into dead-letter entries.

        Returns:
            The outcome per sink name.

        Raises:
            DeliveryInterrupted: a stop came while waiting to retry; that sink's delivery was not recorded.
        """
        self.counts.processed += 1
        alert, reason = parse_alert(value)
        if alert is None:
            self.deadletter.write(reason or "malformed", value, stage="parse", **self.context, **where)
            return {sink.name: self._count(sink, "dead_lettered") for sink in self.sinks}
        line = encode_alert(alert)
        return {sink.name: self._deliver(sink, alert, line, where) for sink in self.sinks}

    def _deliver(self, sink: Sink, alert: dict[str, Any], line: bytes, where: dict[str, Any]) -> Outcome:
        alert_id, revision = alert["alert_id"], int(alert["revision"])
        if self.delivered.check(sink.name, alert_id, revision) != "new":
            return self._count(sink, "duplicate")
        result = deliver_with_retry(sink, alert, line, self.policy, self.wait)
        if not result.ok:
            self.deadletter.write(result.error or "delivery failed", line.rstrip(b"\n"), stage="delivery",
                                  sink=sink.name, alert_id=alert_id, revision=revision, **self.context, **where)
            return self._count(sink, "failed")
        n = self.counts.delivered + 1
        self.crash_point(f"alerts.after_deliver.{n}")  # delivered, not yet recorded: the crash repair's case
        self.delivered.record_many([Delivery(sink.name, alert_id, revision, alert.get("fingerprint"))])
        sink.recorded()
        self.crash_point(f"alerts.after_record.{n}")  # recorded, offset not committed: the next owner's case
        return self._count(sink, "delivered")

    def _count(self, sink: Sink, outcome: Outcome) -> Outcome:
        self.counts.add(sink.name, outcome)
        return outcome
