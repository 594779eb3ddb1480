"""The monitor's alert-delivery state: the committed record and the pending intent of the run in flight.

The one protocol the Delta tables cannot hold, since it spans the lake and the alerts topic: the intent
(what will be sent, and where the topic ended) is written before anything is sent; the alerts table is
replaced after the sends; the commit drops the intent. A crash before the commit replays the intent.
Both are whole files under the lake root, local or on object storage (``lake_files``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lam_models import lake_files
from lam_models.lake_location import Location, join


@dataclass(frozen=True)
class JobState:
    """Committed state and pending intent of one job on one input (e.g. the monitor's alerts)."""

    folder: Location

    @classmethod
    def for_job(cls, lake_root: Path | str, job: str, name: str) -> JobState:
        return cls(join(lake_root, "_state", job, name))

    @property
    def _committed_path(self) -> Location:
        return join(self.folder, "committed.json")

    @property
    def _pending_path(self) -> Location:
        return join(self.folder, "pending.json")

    def committed(self) -> dict[str, Any]:
        return _read_json(self._committed_path) or {}

    def pending(self) -> dict[str, Any] | None:
        return _read_json(self._pending_path)

    def begin(self, intent: dict[str, Any]) -> None:
        _write_json(self._pending_path, intent)

    def commit(self, state: dict[str, Any]) -> None:
        """Switch the committed state atomically, then forget the intent."""
        _write_json(self._committed_path, state)
        lake_files.delete(self._pending_path)


def intent_key(intent: dict[str, Any]) -> str:
    """Stable name of one planned run (its recorded intent)."""
    return hashlib.sha256(json.dumps(intent, sort_keys=True).encode()).hexdigest()[:16]


def _write_json(path: Location, payload: Any) -> None:
    lake_files.write_bytes(path, json.dumps(payload, indent=1, sort_keys=True, default=str), durable=True)


def _read_json(path: Location) -> Any:
    data = lake_files.read_bytes(path)
    return None if data is None else json.loads(data)
