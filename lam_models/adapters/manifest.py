"""Job state on disk: the committed manifest and the pending intent of the run in flight.

Order of a run: write the intent (what will be read), write and publish output, then commit the
manifest and drop the intent. A crash anywhere before the commit replays exactly the intent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lam_models.adapters.lake import atomic_write_json, read_json


@dataclass(frozen=True)
class JobState:
    """Committed state and pending intent of one job on one input (e.g. ingest of topic news)."""

    folder: Path

    @classmethod
    def for_job(cls, lake_root: Path, job: str, name: str) -> JobState:
        return cls(lake_root / "_state" / job / name)

    @property
    def _committed_path(self) -> Path:
        return self.folder / "committed.json"

    @property
    def _pending_path(self) -> Path:
        return self.folder / "pending.json"

    def committed(self) -> dict[str, Any]:
        return read_json(self._committed_path, default={})

    def pending(self) -> dict[str, Any] | None:
        return read_json(self._pending_path)

    def begin(self, intent: dict[str, Any]) -> None:
        atomic_write_json(self._pending_path, intent)

    def commit(self, state: dict[str, Any]) -> None:
        """Switch the committed state atomically, then forget the intent."""
        atomic_write_json(self._committed_path, state)
        self._pending_path.unlink(missing_ok=True)


def intent_key(intent: dict[str, Any]) -> str:
    """Stable name of one planned run (its recorded intent): names the run's output files."""
    return hashlib.sha256(json.dumps(intent, sort_keys=True).encode()).hexdigest()[:16]
