"""The ingest parser: each kind of bad input gets its reason; valid records are normalised to UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lam_models.contracts import load_contract
from lam_models.ingest.parse import ParseLimits, try_parse
from lam_models.settings import IngestSettings
from tests.records import BAD_NEWS, good_news

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
LIMITS = ParseLimits.from_settings(IngestSettings(), NOW)
NEWS = load_contract("news")


@pytest.mark.parametrize("kind", list(BAD_NEWS))
def test_each_bad_record_gets_its_reason(kind):
    row, reason = try_parse(BAD_NEWS[kind], NEWS, LIMITS)
    assert row is None
    assert reason.split(":")[0] == kind.strip()


def test_valid_record_is_normalised_to_utc():
    _, value, _ = good_news(1)[0]
    row, reason = try_parse(value, NEWS, LIMITS)
    assert reason is None
    assert row["published_at"] == datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
    assert row["event_date"] == date(2024, 3, 4)
    assert "schema_version" not in row


def test_offset_timestamps_convert_to_the_utc_date():
    _, value, _ = good_news(1)[0]
    late_evening_new_york = value.replace(b"2024-03-04T09:00:00+00:00", b"2024-03-04T21:30:00-04:00")
    row, _ = try_parse(late_evening_new_york, NEWS, LIMITS)
    assert row["event_date"] == date(2024, 3, 5)


def test_unknown_ticker_is_rejected_when_a_universe_is_configured():
    limits = ParseLimits.from_settings(IngestSettings(), NOW, known_tickers=frozenset({"MSFT"}))
    _, value, _ = good_news(2)[1]  # an AAPL headline
    assert try_parse(value, NEWS, limits)[1] == "unknown ticker: 'AAPL'"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_parser_never_raises_on_arbitrary_bytes(blob):
    row, reason = try_parse(blob, NEWS, LIMITS)
    assert (row is None) != (reason is None)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
                    max_leaves=20))
def test_parser_never_raises_on_arbitrary_json(value):
    import json

    row, reason = try_parse(json.dumps(value).encode(), NEWS, LIMITS)
    assert (row is None) != (reason is None)
