"""Test records: good news headlines and one malformed record of every kind the ingest must reject."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from lam_models.adapters.producers import encode

DAY0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)


def good_news(n: int, start: int = 0, day0: datetime = DAY0, days: int = 2) -> list[tuple[bytes, bytes, int]]:
    """n valid news messages spread over ``days`` days, stamped with their event time."""
    out = []
    for i in range(start, start + n):
        when = day0 + timedelta(days=i % days, minutes=i)
        record = {"schema_version": 1, "id": f"t-{i}", "tickers": ["AAPL" if i % 2 else "MSFT"],
                  "headline": f"Company {i} beats estimates on strong demand", "published_at": when.isoformat(), "source": "test"}
        out.append((b"AAPL", encode(record), int(when.timestamp() * 1000)))
    return out


def _news(**fields) -> bytes:
    record = {"schema_version": 1, "id": "bad", "tickers": ["AAPL"], "headline": "x", "published_at": DAY0.isoformat(), "source": "test"}
    record.update(fields)
    return encode({k: v for k, v in record.items() if v is not ...})


BAD_NEWS: dict[str, bytes | None] = {
    "malformed json": b'{"schema_version": 1, "id": "b1", ',
    "invalid utf-8": b'{"schema_version": 1, "id": "\xff\xfe"}',
    "not a JSON object": b"[1, 2, 3]",
    "unsupported schema_version": _news(schema_version=2, id="b2"),
    "schema": _news(id="b3", headline=12345),
    "schema ": _news(id="b4", tickers="AAPL"),
    "schema  ": _news(id="b5", source=...),
    "schema   ": _news(id="b6", headline="x" * 5000),
    "schema    ": _news(id="b7", tickers=["not a ticker!"]),
    "schema     ": _news(id="b8", headline="nul\u0000byte"),
    "bad timestamp": _news(id="b9", published_at="yesterday"),
    "timestamp without timezone": _news(id="b10", published_at="2024-03-04T09:00:00"),
    "event time too old": _news(id="b11", published_at="1970-01-01T00:00:00+00:00"),
    "event time in the future": _news(id="b12", published_at="2100-01-01T00:00:00+00:00"),
    "oversize record": json.dumps({"schema_version": 1, "pad": "x" * 70_000}).encode(),
    "empty value": None,
}


def bad_news_messages() -> list[tuple[bytes | None, bytes | None, int]]:
    stamp = int(DAY0.timestamp() * 1000)
    return [(b"bad", value, stamp) for value in BAD_NEWS.values()]


def expected_reason_kinds() -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in BAD_NEWS:
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
    return counts
