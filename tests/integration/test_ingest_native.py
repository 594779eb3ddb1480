"""The native fast path of ingest validation never accepts what the Python parser rejects.

Every record Spark proves valid on its own must also be valid for the Python parser and give the
same row; canonical good records must actually take the fast path (or it silently did nothing).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from lam_models.adapters.native_validation import FastPath, Unsupported, fast_path
from lam_models.adapters.producers import encode
from lam_models.contracts import load_contract
from lam_models.ingest.parse import ParseLimits, try_parse
from lam_models.settings import IngestSettings
from tests.badrecords import DUPLICATE, GOOD, mixed_traffic
from tests.records import BAD_NEWS, good_news

LIMITS = ParseLimits.from_settings(IngestSettings(), datetime(2024, 6, 1, tzinfo=timezone.utc))
VALID = {"schema_version": 1, "id": "n-1", "tickers": ["AAPL"], "headline": "Shares rise",
         "published_at": "2024-03-04T09:00:00+00:00", "source": "edge"}


def _edge(**changes) -> bytes:
    return encode({**VALID, **changes})


# Records that are canonical-looking but sit on a boundary where Java and Python could disagree.
EDGE_CASES = [
    _edge(tickers=["AAPL\r"]), _edge(tickers=["AAPL\n"]), _edge(tickers=["AAPL\u2028"]), _edge(headline="a\u0000b"),
    _edge(headline="x" * 1000), _edge(headline="x" * 1001), _edge(headline="é" * 1000), _edge(headline="😀" * 600),
    _edge(headline=""), _edge(tickers=["AAPL", "AAPL"]), _edge(tickers=[]), _edge(tickers=["A"] * 17),
    _edge(published_at="2024-03-04T09:00:00"), _edge(published_at="2024-03-04T09:00:00Z"),
    _edge(published_at="2024-03-04T09:00:00.1234567+00:00"), _edge(published_at="2024-02-30T09:00:00+00:00"),
    _edge(published_at="2024-03-04T09:00:00+14:00"), _edge(published_at="0001-01-01T00:00:00+01:00"),
    _edge(published_at="2024-03-04 09:00:00+00:00"), _edge(schema_version=True), _edge(schema_version=1.0),
    _edge(schema_version=2), _edge(id=7), _edge(extra="field"), json.dumps({**VALID, "headline": "\ud800"}).encode(), _edge(headline="\\ud800"),
    json.dumps(VALID).encode(), json.dumps(VALID, separators=(",", ":")).encode(),
    encode(dict(reversed(list(VALID.items())))),
    encode(VALID)[:-1] + b',"id":"dup"}', encode(VALID).replace(b'"Shares rise"', b"'Shares rise'"),
    encode(VALID) + b" ", b" " + encode(VALID), encode(VALID).replace(b"Shares", b"\xffhares"),
]


def _frame(spark, values: list[bytes | None]):
    stamp = pd.Timestamp("2024-03-04T09:00:00Z")
    records = pd.DataFrame({"key": [b"k"] * len(values), "value": values, "kafka_topic": "news",
                            "kafka_partition": 0, "kafka_offset": range(len(values)), "kafka_timestamp": stamp})
    ddl = "key binary, value binary, kafka_topic string, kafka_partition int, kafka_offset bigint, kafka_timestamp timestamp"
    return spark.createDataFrame(records, schema=ddl)


def _fast_rows(spark, kind: str, values: list[bytes | None]) -> pd.DataFrame:
    contract = load_contract(kind)
    path = fast_path(contract, LIMITS)
    assert path is not None, f"the {kind} contract must compile to a native fast path"
    columns = [c for c in path.properties if c != "schema_version"] + ["event_date", "kafka_offset"]
    judged = path.judge(_frame(spark, values))
    return path.rows(judged.filter("_fast"), columns).toPandas()


def _assert_fast_rows_agree_with_python(kind: str, values: list, fast: pd.DataFrame) -> None:
    contract = load_contract(kind)
    for native in fast.to_dict("records"):
        row, reason = try_parse(values[native.pop("kafka_offset")], contract, LIMITS)
        assert reason is None, f"fast path accepted a record Python rejects ({reason})"
        for name, value in native.items():
            want = row.get(name)  # an absent optional field is a null column either way
            if isinstance(value, float) and value != value:
                value = None
            elif isinstance(value, pd.Timestamp):
                value = value.to_pydatetime().replace(tzinfo=timezone.utc)
            elif hasattr(value, "tolist"):
                value = value.tolist()
            assert value == want, f"{name}: native {value!r} != python {want!r}"


def test_fast_path_accepts_only_what_python_accepts_and_gives_the_same_rows(spark) -> None:
    traffic = mixed_traffic(n_bad=2_000, n_good=1_000, seed=3)
    values = [m.value for m in traffic] + [v for _, v, _ in good_news(200)] + list(BAD_NEWS.values()) + EDGE_CASES
    fast = _fast_rows(spark, "news", values)
    _assert_fast_rows_agree_with_python("news", values, fast)
    proved = set(fast["kafka_offset"])
    canonical_good = range(len(traffic), len(traffic) + 200)
    assert set(canonical_good) <= proved, "canonical good records must take the fast path"
    assert not any(i in proved for i, m in enumerate(traffic) if m.expected not in (GOOD, DUPLICATE))  # duplicates: later step
    edge_offsets = range(len(values) - len(EDGE_CASES), len(values))
    assert 0 < len(proved & set(edge_offsets)) < len(EDGE_CASES), "some edge cases are proved, most are left to Python"


def test_interactions_fast_path_keeps_ratings_and_optional_fields(spark) -> None:
    rows = [{"schema_version": 1, "user_id": "u1", "item_id": "i1", "event": "rating", "rating": 4.0, "ts": "1997-09-20T03:05:10+00:00"},
            {"schema_version": 1, "user_id": "u1", "item_id": "i2", "event": "view", "ts": "1997-09-20T03:05:10+00:00"},
            {"schema_version": 1, "user_id": "u1", "item_id": "i3", "event": "rating", "rating": 4, "ts": "1997-09-20T03:05:10+00:00"},
            {"schema_version": 1, "user_id": "u1", "item_id": "i4", "event": "rating", "rating": 5.5, "ts": "1997-09-20T03:05:10+00:00"},
            {"schema_version": 1, "user_id": "u1", "item_id": "i5", "event": "like", "ts": "1997-09-20T03:05:10+00:00"},
            {"schema_version": 1, "user_id": "u1", "item_id": "i6", "event": "rating", "rating": None, "ts": "1997-09-20T03:05:10+00:00"}]
    values = [encode(r) for r in rows]
    fast = _fast_rows(spark, "interactions", values)
    _assert_fast_rows_agree_with_python("interactions", values, fast)
    assert sorted(fast["item_id"]) == ["i1", "i2"]  # int rating and explicit null are left to Python


def test_schemas_the_native_path_cannot_prove_fall_back_to_python(spark) -> None:
    contract = load_contract("news")
    open_schema = {**contract.schema, "additionalProperties": True}
    lookahead = {**contract.schema, "properties": {**contract.schema["properties"], "id": {"type": "string", "pattern": "^(?=a)"}}}
    for schema in (open_schema, lookahead):
        with pytest.raises(Unsupported):
            FastPath(type(contract)(**{**contract.__dict__, "schema": schema}), LIMITS)
