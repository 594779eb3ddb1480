"""One alert record from the topic: parse, validate, dedup, deliver with retries, or dead-letter (no Kafka here).

Every record ends in exactly one count: ``delivered``, ``duplicate`` (this or a higher revision was
delivered before), ``failed`` (the sink kept failing: dead-lettered) or ``dead_lettered`` (malformed:
bad UTF-8, bad JSON, not an object, or not ``schemas/alert.json``). Only a failure to write the
dead-letter or the dedup store propagates: the caller must then stop without committing the offset.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from lam_models.adapters import failpoints
from lam_models.alerting.dedup import DedupStore
from lam_models.alerting.sinks import RetryPolicy, Sink, deliver_with_retry, encode_alert
from lam_models.contracts import load_contract

Outcome = Literal["delivered", "duplicate", "failed", "dead_lettered"]


class DeadLetter(Protocol):
    """A durable place for records the consumer cannot deliver (file or topic)."""

    def write(self, reason: str, value: bytes | None, **context: Any) -> None: ...

    def close(self) -> None: ...


@dataclass
class Counts:
    """What one consumer did with the records it read."""

    delivered: int = 0
    duplicate: int = 0
    failed: int = 0
    dead_lettered: int = 0

    @property
    def processed(self) -> int:
        return self.delivered + self.duplicate + self.failed + self.dead_lettered

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "processed": self.processed}


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
    """Turns records into deliveries on one sink, exactly one outcome per record.

    Args:
        sink: where alerts go.
        store: delivered (sink, alert_id, revision); shared by every consumer of the sink.
        deadletter: where malformed and undeliverable records go.
        policy: retries and backoff of a failing delivery.
        wait: sleeps between retries; returns True to abandon (stop requested).
        context: fields written into every dead-letter entry (e.g. the group).
    """

    def __init__(self, sink: Sink, store: DedupStore, deadletter: DeadLetter, policy: RetryPolicy,
                 wait: Callable[[float], bool], context: dict[str, Any] | None = None) -> None:
        self.sink = sink
        self.store = store
        self.deadletter = deadletter
        self.policy = policy
        self.wait = wait
        self.context = dict(context or {})
        self.counts = Counts()
        self.recovered = 0

    def start(self) -> int:
        """Reconcile the sink with the dedup store after a crash; returns the deliveries recovered."""
        self.recovered = self.sink.recover(self.store)
        return self.recovered

    def handle(self, value: bytes | None, **where: Any) -> Outcome:
        """Process one record; ``where`` (topic, partition, offset, key) goes into dead-letter entries.

        Raises:
            DeliveryInterrupted: a stop came while waiting to retry; nothing was recorded.
        """
        alert, reason = parse_alert(value)
        if alert is None:
            self.deadletter.write(reason or "malformed", value, stage="parse", **self.context, **where)
            self.counts.dead_lettered += 1
            return "dead_lettered"
        alert_id, revision = alert["alert_id"], int(alert["revision"])
        if self.store.check(self.sink.name, alert_id, revision) != "new":
            self.counts.duplicate += 1
            return "duplicate"
        line = encode_alert(alert)
        result = deliver_with_retry(self.sink, alert, line, self.policy, self.wait)
        if not result.ok:
            self.deadletter.write(result.error or "delivery failed", line.rstrip(b"\n"), stage="delivery",
                                  sink=self.sink.name, alert_id=alert_id, revision=revision, **self.context, **where)
            self.counts.failed += 1
            return "failed"
        failpoints.hit(f"alerts.after_deliver.{self.counts.delivered + 1}")
        self.store.record(self.sink.name, alert_id, revision, alert.get("fingerprint"), marker=result.marker)
        self.counts.delivered += 1
        return "delivered"
