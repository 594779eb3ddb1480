"""Malformed and adversarial ``news`` records mixed into good traffic, each labelled with its expected fate.

``mixed_traffic(n_bad=10_000, n_good=5_000, seed=0)`` returns Kafka messages in send order: good
headlines, adversarial-but-valid headlines (which must be accepted), and bad ones of every kind the
ingest must dead-letter: broken JSON, wrong types, huge fields, NUL bytes, invalid UTF-8, lone
surrogates, duplicate ids, timestamps in 1970 and 2100, wrong schema versions, tombstones. Each
message carries the reason *kind* the ingest must give it (``None``: must land in bronze), so a test
can check every record's fate, not only totals.

Deterministic for a seed. Duplicates of an id are sent with the same key as the original and after it,
so they share its partition at a later offset and the original is the copy that is kept.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DAY0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
MAX_RECORD_BYTES = 65_536
"""The default ``LAM_INGEST__MAX_RECORD_BYTES``: oversize records are made just above it."""

GOOD = None
DUPLICATE = "duplicate id"


@dataclass(frozen=True)
class Labelled:
    """One message to send and what the ingest must do with it."""

    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    expected: str | None
    """Dead-letter reason kind (text before the first ``:``), or None for a record bronze keeps."""
    id: str | None = None
    """The record id of records bronze keeps (and of duplicates), else None."""
    case: str = ""
    """Which generator made it (for figures and failure messages)."""

    @property
    def message(self) -> tuple[bytes | None, bytes | None, int]:
        return self.key, self.value, self.timestamp_ms


def _dump(record: object) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _base(rng: random.Random, i: int) -> dict:
    when = DAY0 + timedelta(days=rng.randrange(3), minutes=rng.randrange(24 * 60))
    return {"schema_version": 1, "id": f"bad-{i}", "tickers": [rng.choice(["AAPL", "MSFT", "TSLA", "BRK.B"])],
            "headline": f"Adversarial headline {i}", "published_at": when.isoformat(), "source": "fault"}


def _with(rng: random.Random, i: int, **changes: object) -> bytes:
    record = _base(rng, i)
    record.update(changes)
    return _dump({k: v for k, v in record.items() if v is not ...})


def _without(rng: random.Random, i: int, field: str) -> bytes:
    record = _base(rng, i)
    del record[field]
    return _dump(record)


def _garbage(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


Maker = Callable[[random.Random, int], "bytes | None"]

# (case name, expected reason kind, maker). Every maker is pure in (rng, i).
BAD_CASES: list[tuple[str, str, Maker]] = [
    # broken JSON
    ("truncated", "malformed json", lambda r, i: _with(r, i)[: r.randrange(1, 40)]),
    ("trailing garbage", "malformed json", lambda r, i: _with(r, i) + b"}}"),
    ("single quotes", "malformed json", lambda r, i: _with(r, i).replace(b'"', b"'")),
    ("empty bytes", "malformed json", lambda r, i: b""),
    ("whitespace only", "malformed json", lambda r, i: b" \n\t "),
    ("utf-8 bom", "malformed json", lambda r, i: b"\xef\xbb\xbf" + _with(r, i)),
    ("raw nul byte", "malformed json", lambda r, i: _with(r, i).replace(b",", b",\x00", 1)),
    ("NaN literal", "malformed json", lambda r, i: _with(r, i).replace(b'"schema_version":1', b'"schema_version":NaN')),
    ("Infinity literal", "malformed json", lambda r, i: b'{"schema_version":1,"id":"x","score":-Infinity}'),
    ("duplicate json key", "malformed json", lambda r, i: _with(r, i).replace(b'"source":"fault"', b'"source":"fault","id":"shadow"')),
    ("deep nesting", "malformed json", lambda r, i: b"[" * 20_000 + b"]" * 20_000),
    ("deep object", "malformed json", lambda r, i: b'{"a":' * 5_000 + b"1" + b"}" * 5_000),
    ("huge integer literal", "malformed json", lambda r, i: b'{"schema_version":' + b"9" * 5_000 + b"}"),
    ("random bytes json-ish", "malformed json", lambda r, i: b"{" + bytes(r.choice(b"abc:,[]{} 01") for _ in range(30))),
    # invalid UTF-8 (and strings UTF-8 cannot carry)
    ("random binary", "invalid utf-8", lambda r, i: b"\xff" + _garbage(r, r.randrange(1, 200))),
    ("latin-1 headline", "invalid utf-8", lambda r, i: _with(r, i, headline="Caf\u00e9 cr\u00e8me").decode("utf-8").encode("latin-1")),
    ("overlong slash", "invalid utf-8", lambda r, i: _with(r, i).replace(b"Adversarial", b"Adv\xc0\xafrsarial")),
    ("encoded surrogate", "invalid utf-8", lambda r, i: _with(r, i).replace(b"Adversarial", b"Adv\xed\xa0\x80rsarial")),
    ("truncated multibyte", "invalid utf-8", lambda r, i: _with(r, i, headline="\u20ac price").replace(b"\xe2\x82\xac", b"\xe2\x82")),
    ("lone surrogate escape", "invalid utf-8", lambda r, i: _with(r, i).replace(b"Adversarial", b"Adv\\ud800rsarial")),
    ("lone low surrogate in id", "invalid utf-8", lambda r, i: _with(r, i).replace(b'"id":"bad-', b'"id":"\\udfffbad-')),
    # not an object
    ("json array", "not a JSON object", lambda r, i: _dump([_base(r, i)])),
    ("json string", "not a JSON object", lambda r, i: _dump(f"bad-{i}")),
    ("json number", "not a JSON object", lambda r, i: str(r.randrange(10**9)).encode()),
    ("json null", "not a JSON object", lambda r, i: b"null"),
    ("json true", "not a JSON object", lambda r, i: b"true"),
    # wrong schema versions
    ("schema_version 2", "unsupported schema_version", lambda r, i: _with(r, i, schema_version=2)),
    ("schema_version 0", "unsupported schema_version", lambda r, i: _with(r, i, schema_version=0)),
    ("schema_version string", "unsupported schema_version", lambda r, i: _with(r, i, schema_version="1")),
    ("schema_version null", "unsupported schema_version", lambda r, i: _with(r, i, schema_version=None)),
    ("schema_version missing", "unsupported schema_version", lambda r, i: _without(r, i, "schema_version")),
    ("schema_version 1.5", "unsupported schema_version", lambda r, i: _with(r, i, schema_version=1.5)),
    ("schema_version huge", "unsupported schema_version", lambda r, i: _with(r, i, schema_version=10**30)),
    # wrong types / contract violations
    ("schema_version true", "schema", lambda r, i: _with(r, i, schema_version=True)),
    ("id number", "schema", lambda r, i: _with(r, i, id=i)),
    ("id empty", "schema", lambda r, i: _with(r, i, id="")),
    ("id huge", "schema", lambda r, i: _with(r, i, id="i" * 5_000)),
    ("tickers string", "schema", lambda r, i: _with(r, i, tickers="AAPL")),
    ("tickers null", "schema", lambda r, i: _with(r, i, tickers=None)),
    ("tickers too many", "schema", lambda r, i: _with(r, i, tickers=[f"T{n}" for n in range(17)])),
    ("tickers repeated", "schema", lambda r, i: _with(r, i, tickers=["AAPL", "AAPL"])),
    ("ticker lowercase", "schema", lambda r, i: _with(r, i, tickers=["aapl"])),
    ("ticker nul", "schema", lambda r, i: _with(r, i, tickers=["AA\u0000PL"])),
    ("headline number", "schema", lambda r, i: _with(r, i, headline=12345)),
    ("headline list", "schema", lambda r, i: _with(r, i, headline=["a", "b"])),
    ("headline empty", "schema", lambda r, i: _with(r, i, headline="")),
    ("headline nul", "schema", lambda r, i: _with(r, i, headline="before\u0000after")),
    ("headline huge field", "schema", lambda r, i: _with(r, i, headline="H" * r.randrange(1_001, 30_000))),
    ("source missing", "schema", lambda r, i: _without(r, i, "source")),
    ("source object", "schema", lambda r, i: _with(r, i, source={"$ne": None})),
    ("extra field", "schema", lambda r, i: _with(r, i, admin=True)),
    ("published_at number", "schema", lambda r, i: _with(r, i, published_at=1709542800)),
    ("published_at long", "schema", lambda r, i: _with(r, i, published_at="2024-03-04T09:00:00+00:00" + " " * 40)),
    # timestamps
    ("timestamp words", "bad timestamp", lambda r, i: _with(r, i, published_at="yesterday")),
    ("timestamp month 13", "bad timestamp", lambda r, i: _with(r, i, published_at="2024-13-04T09:00:00+00:00")),
    ("timestamp empty", "bad timestamp", lambda r, i: _with(r, i, published_at="")),
    ("timestamp nul", "bad timestamp", lambda r, i: _with(r, i, published_at="2024-03-04T09:00\u0000:00+00:00")),
    ("timestamp year 1 +14h", "bad timestamp", lambda r, i: _with(r, i, published_at="0001-01-01T00:00:00+14:00")),
    ("timestamp year 9999 -14h", "bad timestamp", lambda r, i: _with(r, i, published_at="9999-12-31T23:59:59-14:00")),
    ("timestamp naive", "timestamp without timezone", lambda r, i: _with(r, i, published_at="2024-03-04T09:00:00")),
    ("timestamp 1970", "event time too old", lambda r, i: _with(r, i, published_at="1970-01-01T00:00:00+00:00")),
    ("timestamp 1989", "event time too old", lambda r, i: _with(r, i, published_at="1989-12-31T23:59:59+00:00")),
    ("timestamp 2100", "event time in the future", lambda r, i: _with(r, i, published_at="2100-01-01T00:00:00+00:00")),
    ("timestamp 9999", "event time in the future", lambda r, i: _with(r, i, published_at="9999-12-31T00:00:00+00:00")),
    # size and emptiness
    ("oversize record", "oversize record", lambda r, i: _with(r, i, headline="x" * (MAX_RECORD_BYTES + r.randrange(1, 5_000)))),
    ("oversize garbage", "oversize record", lambda r, i: b"\x00" * (MAX_RECORD_BYTES + 1)),
    ("tombstone", "empty value", lambda r, i: None),
]

RARE_CASES = {"oversize record": 0.2, "oversize garbage": 0.2, "deep nesting": 0.3, "deep object": 0.3, "huge integer literal": 0.5}
"""Cases made less often than the rest (weight relative to 1), to keep the traffic a few MB."""

ADVERSARIAL_GOOD: list[tuple[str, Callable[[dict, random.Random], dict]]] = [
    ("emoji and rtl", lambda rec, r: {**rec, "headline": "Shares \U0001F680 \u05d1\u05d5\u05e8\u05e1\u05d4 \u0627\u0644\u0633\u0648\u0642 rally"}),
    ("combining marks", lambda rec, r: {**rec, "headline": "Cafe\u0301 Z\u0335a\u0336l\u0337g\u0338o earnings"}),
    ("escaped surrogate pair", lambda rec, r: {**rec, "headline": "Record \U0001F4C8 high"}),
    ("headline at limit", lambda rec, r: {**rec, "headline": "L" * 1000}),
    ("sixteen tickers", lambda rec, r: {**rec, "tickers": [f"T{n}" for n in range(16)]}),
    ("market-wide", lambda rec, r: {**rec, "tickers": []}),
    ("far offset", lambda rec, r: {**rec, "published_at": "2024-03-04T23:30:00+14:00"}),
    ("negative offset", lambda rec, r: {**rec, "published_at": "2024-03-03T22:00:00-12:00"}),
    ("quotes and backslashes", lambda rec, r: {**rec, "headline": 'He said "sell" \\ then <script>alert(1)</script>'}),
    ("sql-ish", lambda rec, r: {**rec, "headline": "'; DROP TABLE bronze; --", "source": "'; --"}),
    ("schema_version 1.0", lambda rec, r: {**rec, "schema_version": 1.0}),
]


def good_record(i: int, rng: random.Random) -> dict:
    when = DAY0 + timedelta(days=i % 3, minutes=i % (24 * 60), seconds=rng.randrange(60))
    return {"schema_version": 1, "id": f"good-{i}", "tickers": [rng.choice(["AAPL", "MSFT", "TSLA", "NVDA"])],
            "headline": f"Company {i} beats estimates on strong demand", "published_at": when.isoformat(), "source": "fault"}


def mixed_traffic(n_bad: int = 10_000, n_good: int = 5_000, seed: int = 0, duplicate_share: float = 0.05,
                  adversarial_good_share: float = 0.05) -> list[Labelled]:
    """``n_good`` records bronze must keep and ``n_bad`` it must dead-letter, shuffled, in send order.

    ``duplicate_share`` of the bad records are repeats of a good id (exact copies or the same id with
    other content); ``adversarial_good_share`` of the good records are odd but valid.
    """
    rng = random.Random(seed)
    stamp = int(DAY0.timestamp() * 1000)
    good: list[Labelled] = []
    for i in range(n_good):
        record = good_record(i, rng)
        case = "good"
        if rng.random() < adversarial_good_share:
            case, change = rng.choice(ADVERSARIAL_GOOD)
            record = change(record, rng)
        key = (record["tickers"][0] if record["tickers"] else "").encode()
        good.append(Labelled(key, _dump(record), stamp + i, GOOD, record["id"], case))

    n_dup = min(int(n_bad * duplicate_share), n_good) if n_good else 0
    weights = [RARE_CASES.get(name, 1.0) for name, _, _ in BAD_CASES]
    bad: list[Labelled] = []
    for i in range(n_bad - n_dup):
        name, kind, make = rng.choices(BAD_CASES, weights)[0]
        key = rng.choice([None, b"bad", _garbage(rng, 8)])
        value = make(rng, i)
        bad.append(Labelled(key if value is not None else b"tombstone", value, stamp, kind, None, name))  # Kafka needs one of the two

    traffic = good + bad
    rng.shuffle(traffic)
    order: list[tuple[float, Labelled]] = [(float(n), m) for n, m in enumerate(traffic)]
    position = {m.id: n for n, m in enumerate(traffic) if m.expected is GOOD}
    for j in range(n_dup):
        original = rng.choice(good)
        if rng.random() < 0.5:
            copy = Labelled(original.key, original.value, original.timestamp_ms, DUPLICATE, original.id, "exact duplicate")
        else:
            record = json.loads(original.value)  # type: ignore[arg-type]
            record["headline"] = f"Same id, other text {j}"
            copy = Labelled(original.key, _dump(record), original.timestamp_ms, DUPLICATE, original.id, "same id, other content")
        order.append((rng.uniform(position[original.id] + 0.5, len(traffic)), copy))  # always after the original
    order.sort(key=lambda pair: pair[0])
    traffic = [m for _, m in order]
    return traffic


def expected_counts(traffic: list[Labelled]) -> dict[str, int]:
    """Reason kind -> how many records must get it (good records left out)."""
    return dict(Counter(m.expected for m in traffic if m.expected is not GOOD))
