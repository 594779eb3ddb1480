"""What was delivered where: the dedup state every member of a consumer group shares (no Kafka here).

The state is a set of deliveries ``(sink, alert_id, revision)``. Its durable home is a compacted
topic (``DeliveredTopic``); this module holds the record format of that topic and the in-memory
index a member rebuilds from it, so a partition that moves to another pod, with no disk in common,
is still deduplicated against what the previous owner delivered.

Deliveries of one ``alert_id`` are revisions of one alert, and consumers keep the highest: a revision
at or below the highest one delivered to a sink is not delivered again; a higher revision is
delivered once. Each record is keyed by sink, alert id *and* revision, not by alert alone: compaction
then never replaces a delivery by another one, so two writers racing on one alert (a member that has
not yet noticed it lost the partition) cannot erase each other's record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

Verdict = Literal["new", "duplicate", "stale"]
"""``new``: deliver it; ``duplicate``: this revision was delivered; ``stale``: a higher one was."""

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Delivery:
    """One alert revision that reached one sink."""

    sink: str
    alert_id: str
    revision: int
    fingerprint: str | None = None

    def key(self) -> bytes:
        """The compaction key: unique per sink, alert and revision (a JSON array, so no separator can clash)."""
        return json.dumps([self.sink, self.alert_id, self.revision], separators=(",", ":")).encode("utf-8")

    def encode(self, **context: Any) -> bytes:
        """The record value; ``context`` (group, member) says who delivered it, for people reading the topic."""
        return json.dumps({"v": FORMAT_VERSION, "sink": self.sink, "alert_id": self.alert_id,
                           "revision": self.revision, "fingerprint": self.fingerprint,
                           "delivered_at": datetime.now(timezone.utc).isoformat(), **context},
                          separators=(",", ":")).encode("utf-8")

    @classmethod
    def decode(cls, value: bytes | None) -> Delivery | None:
        """The delivery in a record value; None for a tombstone or a record this code cannot read."""
        try:
            data = json.loads(value) if value is not None else None
            if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
                return None
            return cls(str(data["sink"]), str(data["alert_id"]), int(data["revision"]), data.get("fingerprint"))
        except (ValueError, KeyError, TypeError):
            return None


class DeliveredIndex:
    """The deliveries seen so far, in memory: revisions per (sink, alert_id)."""

    def __init__(self) -> None:
        self._revisions: dict[tuple[str, str], set[int]] = defaultdict(set)

    def __len__(self) -> int:
        return sum(len(r) for r in self._revisions.values())

    def check(self, sink: str, alert_id: str, revision: int) -> Verdict:
        """Whether ``revision`` of ``alert_id`` still has to be delivered to ``sink``."""
        seen = self._revisions.get((sink, alert_id))
        if not seen or revision > max(seen):
            return "new"
        return "duplicate" if revision in seen else "stale"

    def has(self, delivery: Delivery) -> bool:
        return delivery.revision in self._revisions.get((delivery.sink, delivery.alert_id), ())

    def add(self, delivery: Delivery) -> bool:
        """Remember one delivery; False when it was known already."""
        seen = self._revisions[(delivery.sink, delivery.alert_id)]
        if delivery.revision in seen:
            return False
        seen.add(delivery.revision)
        return True

    def delivered(self, sink: str) -> list[tuple[str, int]]:
        """(alert_id, revision) delivered to ``sink``, in id then revision order."""
        return sorted((a, r) for (s, a), revisions in self._revisions.items() if s == sink for r in revisions)


class DeliveredLog(Protocol):
    """The shared, durable record of deliveries a handler checks before and writes after each delivery."""

    def catch_up(self) -> int:
        """Read what other members recorded since the last call; returns the records read."""

    def check(self, sink: str, alert_id: str, revision: int) -> Verdict: ...

    def record_many(self, deliveries: list[Delivery]) -> int:
        """Make the deliveries durable (every member can see them once this returns); returns how many were new."""

    def close(self) -> None: ...
