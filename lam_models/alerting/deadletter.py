"""Where records the consumer cannot deliver go: a JSON-lines file, or the ``<alerts>.deadletter`` topic
(``adapters/deadletter_topic.py``).

Either write is durable before it returns, because the offset of the record is committed right after
it: a dead-letter entry that could be lost would lose the alert.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol


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


def raw_fields(value: bytes | None) -> dict[str, Any]:
    """The record's bytes as text when they are UTF-8, else as base64 (nothing is lost)."""
    if value is None:
        return {"value": None}
    try:
        return {"value": value.decode("utf-8")}
    except UnicodeDecodeError:
        return {"value_b64": base64.b64encode(value).decode("ascii")}
