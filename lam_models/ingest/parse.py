"""Raw Kafka bytes -> a valid row, or a dead-letter reason. Pure and total: never raises on data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import fastjsonschema

from lam_models.contracts import Contract


@dataclass(frozen=True)
class ParseLimits:
    """What a record may be, beyond its schema: size, event-time range, known tickers."""

    max_record_bytes: int
    min_event_time: datetime
    max_event_time: datetime
    known_tickers: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, ingest: Any, now: datetime, known_tickers: frozenset[str] | None = None) -> ParseLimits:
        """Limits for one run; ``now`` is fixed per run so a rerun judges records identically."""
        return cls(
            max_record_bytes=ingest.max_record_bytes,
            min_event_time=parse_timestamp(ingest.min_event_time),
            max_event_time=now + timedelta(hours=ingest.max_clock_skew_hours),
            known_tickers=known_tickers,
        )


class RecordError(ValueError):
    """A record broke the contract; ``str()`` is the dead-letter reason: ``"<kind>: <detail>"``."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def parse_timestamp(text: str) -> datetime:
    """ISO-8601 with an explicit offset -> aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecordError("bad timestamp", repr(text[:40])) from exc
    if value.tzinfo is None:
        raise RecordError("timestamp without timezone", repr(text[:40]))
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+14:00 is before year 1 in UTC
        raise RecordError("bad timestamp", f"{text[:40]!r} is out of range in UTC") from exc


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str) -> None:
    raise RecordError("malformed json", f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise RecordError("malformed json", f"duplicate key {duplicate[:40]!r}")
    return record


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (or key) holds a lone surrogate, which UTF-8 (and Parquet) cannot carry."""
    stack = [value]
    while stack:  # iterative: nesting may be as deep as the JSON decoder allowed
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_record(value: bytes | None, contract: Contract, limits: ParseLimits) -> dict[str, Any]:
    """Decode, validate and normalise one record; raises RecordError with the reason otherwise."""
    if value is None:
        raise RecordError("empty value")
    if len(value) > limits.max_record_bytes:
        raise RecordError("oversize record", f"{len(value)} bytes > {limits.max_record_bytes}")
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError("invalid utf-8", f"at byte {exc.start}") from exc
    try:
        record = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RecordError:
        raise
    except json.JSONDecodeError as exc:
        raise RecordError("malformed json", f"{exc.msg} at char {exc.pos}") from exc
    except RecursionError as exc:
        raise RecordError("malformed json", "nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal over Python's 4300-digit limit
        raise RecordError("malformed json", str(exc)[:80]) from exc
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(record):
        raise RecordError("invalid utf-8", "lone surrogate escape in a string")
    if not isinstance(record, dict):
        raise RecordError("not a JSON object", type(record).__name__)
    version = record.get("schema_version")
    if version != contract.schema_version:
        raise RecordError("unsupported schema_version", f"{str(version)[:20]!r}, expected {contract.schema_version}")
    try:
        contract.validate(record)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise RecordError("schema", exc.message[:200]) from exc
    return _normalise(record, contract, limits)


def _normalise(record: dict[str, Any], contract: Contract, limits: ParseLimits) -> dict[str, Any]:
    event_time = parse_timestamp(record[contract.event_time_field])
    if event_time < limits.min_event_time:
        raise RecordError("event time too old", f"{event_time.isoformat()} < {limits.min_event_time.isoformat()}")
    if event_time > limits.max_event_time:
        raise RecordError("event time in the future", f"{event_time.isoformat()} > {limits.max_event_time.isoformat()}")
    if limits.known_tickers is not None:
        unknown = [t for t in record.get("tickers", ()) if t not in limits.known_tickers]
        if unknown:
            raise RecordError("unknown ticker", repr(unknown[0]))
    row = {k: v for k, v in record.items() if k != "schema_version"}
    row[contract.event_time_field] = event_time
    row["event_date"] = event_time.date()
    return row


def try_parse(value: bytes | None, contract: Contract, limits: ParseLimits) -> tuple[dict[str, Any] | None, str | None]:
    """(row, None) for a valid record, (None, reason) otherwise."""
    try:
        return parse_record(value, contract, limits), None
    except RecordError as exc:
        return None, str(exc)
