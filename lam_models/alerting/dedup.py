"""SQLite record of delivered (sink, alert_id, revision): a redelivered alert is not delivered twice.

Deliveries of one ``alert_id`` are revisions of one alert, and consumers keep the highest: a revision
at or below the highest one delivered to a sink is a duplicate; a higher revision is delivered once.
A sink that appends to a file also keeps a byte marker here, written in the same transaction as the
delivery row, so a crash between the append and the row is repaired on start (see ``JsonlSink``).
Several processes may share one store (WAL, busy timeout).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

Verdict = Literal["new", "duplicate", "stale"]
"""``new``: deliver it; ``duplicate``: this revision was delivered; ``stale``: a higher one was."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivered (
    sink TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    fingerprint TEXT,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (sink, alert_id, revision)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sink_marker (
    sink TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
"""


class DedupStore:
    """Delivered alerts per sink, durable once ``record`` returns.

    Args:
        path: the SQLite file (its folder is created); ``":memory:"`` for tests.
        busy_timeout_s: how long to wait for another process holding the write lock.
    """

    def __init__(self, path: Path | str, busy_timeout_s: float = 30.0) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # one thread at a time (the consumer may be built in one thread and run in another)
        self._db = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DedupStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, sink: str, alert_id: str, revision: int) -> Verdict:
        """Whether ``revision`` of ``alert_id`` still has to be delivered to ``sink``."""
        row = self._db.execute(
            "SELECT MAX(revision) FROM delivered WHERE sink = ? AND alert_id = ?", (sink, alert_id)
        ).fetchone()
        highest = row[0]
        if highest is None or revision > highest:
            return "new"
        return "duplicate" if revision == highest or self._has(sink, alert_id, revision) else "stale"

    def record(self, sink: str, alert_id: str, revision: int, fingerprint: str | None = None,
               marker: int | None = None) -> bool:
        """Remember one delivery (and the sink's new byte marker) in one transaction.

        Returns:
            False when that delivery was already recorded (nothing changed but the marker).
        """
        return self.record_many(sink, [(alert_id, revision, fingerprint)], marker) == 1

    def record_many(self, sink: str, rows: list[tuple[str, int, str | None]], marker: int | None = None) -> int:
        """Remember several deliveries of one sink and its marker atomically; returns how many were new."""
        now = datetime.now(timezone.utc).isoformat()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO delivered (sink, alert_id, revision, fingerprint, delivered_at) VALUES (?, ?, ?, ?, ?)",
                [(sink, a, int(r), f, now) for a, r, f in rows],
            )
            added = self._db.total_changes - before
            if marker is not None:
                self._db.execute(
                    "INSERT INTO sink_marker (sink, position) VALUES (?, ?) "
                    "ON CONFLICT(sink) DO UPDATE SET position = excluded.position", (sink, int(marker)),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return added

    def marker(self, sink: str) -> int:
        """Byte position up to which the sink's file is recorded here (0 if never)."""
        row = self._db.execute("SELECT position FROM sink_marker WHERE sink = ?", (sink,)).fetchone()
        return int(row[0]) if row else 0

    def delivered(self, sink: str) -> list[tuple[str, int]]:
        """(alert_id, revision) delivered to ``sink``, in id then revision order."""
        return [(a, int(r)) for a, r in self._db.execute(
            "SELECT alert_id, revision FROM delivered WHERE sink = ? ORDER BY alert_id, revision", (sink,))]

    def _has(self, sink: str, alert_id: str, revision: int) -> bool:
        return self._db.execute(
            "SELECT 1 FROM delivered WHERE sink = ? AND alert_id = ? AND revision = ?", (sink, alert_id, revision)
        ).fetchone() is not None
