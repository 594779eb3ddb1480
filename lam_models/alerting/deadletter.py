"""Where records the consumer cannot deliver go: a JSON-lines file or the ``<alerts>.deadletter`` topic.

Either write is durable before it returns, because the offset of the record is committed right after
it: a dead-letter entry that could be lost would lose the alert.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lam_models.settings import Settings


class DeadLetter(Protocol):
    """A durable place for records the consumer cannot deliver (file or topic)."""

    def write(self, reason: str, value: bytes | None, **context: Any) -> None: ...

    def close(self) -> None: ...


class DeadLetterFile:
    """Append-only JSON-lines dead-letter: each entry is fsynced before ``write`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, reason: str, value: bytes | None, **context: Any) -> None:
        """Record one rejected or undeliverable record with its reason and where it came from."""
        entry: dict[str, Any] = {"at": datetime.now(timezone.utc).isoformat(), "reason": reason, **context}
        entry.update(raw_fields(value))
        data = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        pass


class DeadLetterTopic:
    """Dead-letter on ``<alerts>.deadletter``: the raw bytes as value, reason and origin as headers."""

    def __init__(self, settings: Settings, topic: str) -> None:
        from kafka import KafkaProducer

        from lam_models.adapters.kafka_admin import ensure_topics
        from lam_models.adapters.kafka_config import client_config

        ensure_topics(settings, [topic])
        self.topic = topic
        self._producer = KafkaProducer(**client_config(settings.kafka), acks="all", enable_idempotence=True, retries=10)

    def write(self, reason: str, value: bytes | None, **context: Any) -> None:
        key = context.get("key")
        headers = [("lam.reason", reason.encode("utf-8"))]
        headers += [(f"lam.{k}", str(v).encode("utf-8")) for k, v in context.items() if k != "key" and v is not None]
        future = self._producer.send(self.topic, value=value, key=key.encode("utf-8") if key else None, headers=headers)
        future.get(timeout=30)  # durable (acks=all) before the offset may be committed

    def close(self) -> None:
        self._producer.close(timeout=10)


def raw_fields(value: bytes | None) -> dict[str, Any]:
    """The record's bytes as text when they are UTF-8, else as base64 (nothing is lost)."""
    if value is None:
        return {"value": None}
    try:
        return {"value": value.decode("utf-8")}
    except UnicodeDecodeError:
        return {"value_b64": base64.b64encode(value).decode("ascii")}
