"""The monitor's alert-delivery state: the committed record and the pending intent of the run in flight.

The one protocol the Delta tables cannot hold, since it spans the lake and the alerts topic: the intent
(what will be sent, and where the topic ended) is written before anything is sent; the alerts table is
replaced after the sends; the commit drops the intent. A crash before the commit replays the intent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lam_models.files import write_atomic


@dataclass(frozen=True)
class JobState:
    """Committed state and pending intent of one job on one input (e.g. the monitor's alerts)."""

    folder: Path

    @classmethod
    def for_job(cls, lake_root: Path, job: str, name: str) -> JobState:
        return cls(Path(lake_root) / "_state" / job / name)

    @property
    def _committed_path(self) -> Path:
        return self.folder / "committed.json"

    @property
    def _pending_path(self) -> Path:
        return self.folder / "pending.json"

    def committed(self) -> dict[str, Any]:
        return _read_json(self._committed_path) or {}

    def pending(self) -> dict[str, Any] | None:
        return _read_json(self._pending_path)

    def begin(self, intent: dict[str, Any]) -> None:
        _write_json(self._pending_path, intent)

    def commit(self, state: dict[str, Any]) -> None:
        """Switch the committed state atomically, then forget the intent."""
        _write_json(self._committed_path, state)
        self._pending_path.unlink(missing_ok=True)


def intent_key(intent: dict[str, Any]) -> str:
    """Stable name of one planned run (its recorded intent)."""
    return hashlib.sha256(json.dumps(intent, sort_keys=True).encode()).hexdigest()[:16]


def _write_json(path: Path, payload: Any) -> None:
    write_atomic(path, json.dumps(payload, indent=1, sort_keys=True, default=str), durable=True)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None
