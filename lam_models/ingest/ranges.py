"""Plan the exact Kafka offset ranges a run reads (pure): committed -> latest, or a time window."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class OffsetRange:
    """Half-open range [start, end) of one partition."""

    partition: int
    start: int
    end: int

    @property
    def count(self) -> int:
        return self.end - self.start


def plan_incremental(committed: dict[int, int], earliest: dict[int, int], latest: dict[int, int]) -> list[OffsetRange]:
    """From the last committed offset (or the earliest retained) to the latest, non-empty ranges only.

    Args:
        committed: next offset to read per partition, from the manifest.
        earliest, latest: the broker's beginning and end offsets per partition.
    """
    ranges = []
    for partition in sorted(latest):
        start = max(committed.get(partition, earliest[partition]), earliest[partition])
        if latest[partition] > start:
            ranges.append(OffsetRange(partition, start, latest[partition]))
    return ranges


def plan_time_window(start_offsets: dict[int, int | None], latest: dict[int, int]) -> list[OffsetRange]:
    """Ranges that hold every record stamped at or after the window start.

    Broker timestamps need not grow with offsets, so the end of a window is not an offset: the job
    scans to the latest offset and keeps records by timestamp, which makes the window exact.

    Args:
        start_offsets: first offset with timestamp >= start per partition (None: no such record).
    """
    ranges = []
    for partition in sorted(latest):
        start = start_offsets.get(partition)
        if start is not None and latest[partition] > start:
            ranges.append(OffsetRange(partition, start, latest[partition]))
    return ranges


def spark_offset_options(topic: str, ranges: list[OffsetRange]) -> dict[str, str]:
    """Options for ``spark.read.format("kafka")`` that read exactly these ranges."""
    return {
        "assign": json.dumps({topic: [r.partition for r in ranges]}),
        "startingOffsets": json.dumps({topic: {str(r.partition): r.start for r in ranges}}),
        "endingOffsets": json.dumps({topic: {str(r.partition): r.end for r in ranges}}),
    }
