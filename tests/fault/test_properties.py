"""Property-based tests (hypothesis) of the ingest parser and the detector's pure logic, aimed at hostile input.

The parser must be total (never raise, one verdict per record) and every row it accepts must be
writable (UTF-8, Arrow) within the limits; the detector must give the same alerts whatever the order
of its input, never fire below its thresholds, and never deliver one alert revision twice across
reruns and late data. Pure, no broker, no Spark: seconds.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lam_models.contracts import load_contract
from lam_models.ingest.parse import ParseLimits, try_parse
from lam_models.monitor.alerts import alerts_from_windows, evaluate_windows
from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.state import deliveries
from lam_models.settings import IngestSettings
from tests.badrecords import BAD_CASES, mixed_traffic

pytestmark = pytest.mark.fault

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
LIMITS = ParseLimits.from_settings(IngestSettings(), NOW)
NEWS = load_contract("news")
INTERACTIONS = load_contract("interactions")
KINDS = {"empty value", "oversize record", "invalid utf-8", "malformed json", "not a JSON object", "unsupported schema_version",
         "schema", "bad timestamp", "timestamp without timezone", "event time too old", "event time in the future"}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# any code point, lone surrogates included (hypothesis leaves them out by default)
any_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=40)
json_scalars = (st.none() | st.booleans() | st.integers(-(10**40), 10**40) | st.floats(allow_nan=True, allow_infinity=True)
                | any_text)
json_values = st.recursive(json_scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(any_text, kids, max_size=4),
                           max_leaves=12)
VALID = {"schema_version": 1, "id": "p-1", "tickers": ["AAPL"], "headline": "Shares rise", "published_at": "2024-03-04T09:00:00+00:00",
         "source": "prop"}


def verdict(value: bytes | None, contract=NEWS, limits=LIMITS):
    """Parse and check the invariants every verdict must satisfy; returns (row, reason)."""
    row, reason = try_parse(value, contract, limits)
    assert (row is None) != (reason is None), "exactly one of row and reason"
    if reason is not None:
        assert reason.split(":")[0] in KINDS, reason
        reason.encode("utf-8")  # the reason itself is storable
    else:
        _assert_storable(row, contract, limits)
    return row, reason


def _assert_storable(row: dict, contract, limits) -> None:
    """An accepted row is within the limits and converts to Arrow (what Spark's mapInPandas does)."""
    when = row[contract.event_time_field]
    assert when.tzinfo is not None and limits.min_event_time <= when <= limits.max_event_time
    assert row["event_date"] == when.astimezone(timezone.utc).date()
    for name, value in row.items():
        if isinstance(value, str):
            value.encode("utf-8")
            pa.array([value], pa.string())
        elif isinstance(value, list):
            pa.array([value], pa.list_(pa.string()))
        elif isinstance(value, float):
            assert np.isfinite(value), f"{name} is not finite"


def _dumps(value, ascii_only: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", errors="surrogatepass")  # lone surrogates become (invalid) CESU-8 bytes


@FAST
@given(json_values, st.booleans())
def test_parser_is_total_on_any_json_value_even_with_surrogates_and_nan(value, ascii_only):
    verdict(_dumps(value, ascii_only))


@FAST
@given(st.sampled_from(sorted(VALID)), json_values, st.booleans())
def test_a_valid_record_with_one_field_replaced_by_anything_gets_one_verdict(field, value, ascii_only):
    row, reason = verdict(_dumps({**VALID, field: value}, ascii_only))
    if row is not None:
        assert isinstance(row["id"], str) and isinstance(row["headline"], str)


surrogate_text = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(max_codepoint=0x7F),
                         min_size=1, max_size=20)


@FAST
@given(st.sampled_from(["id", "headline", "source"]), surrogate_text)
def test_strings_with_lone_surrogates_are_rejected_or_stored_intact(field, text):
    row, reason = verdict(_dumps({**VALID, field: text}, True))  # \udXXX escapes: valid JSON, not valid UTF-8 text
    if row is not None:  # escaped pairs decode to one astral character, as JSON says
        assert row[field] == json.loads(json.dumps(text))


@FAST
@given(st.binary(max_size=300), st.sampled_from(["id", "headline", "source", "published_at"]))
def test_arbitrary_bytes_inside_a_json_string_field(blob, field):
    template = _dumps({**VALID, field: "@@"}, True)
    verdict(template.replace(b"@@", blob))


@FAST
@given(st.integers(1, 60_000), st.sampled_from([b"[", b'{"a":']))
def test_nesting_of_any_depth_is_a_verdict_not_a_recursion_error(depth, opener):
    closer = b"]" if opener == b"[" else b"}"
    verdict(opener * depth + b"1" + closer * depth)


@FAST
@given(st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59),
       st.integers(-24 * 60 + 1, 24 * 60 - 1), st.booleans())
def test_any_iso_timestamp_and_offset_is_judged_without_overflow(year, month, day, hour, minute, offset_minutes, naive):
    tz = None if naive else timezone(timedelta(minutes=offset_minutes))
    stamp = datetime(year, month, day, hour, minute, tzinfo=tz).isoformat()
    row, reason = verdict(_dumps({**VALID, "published_at": stamp}, True))
    if naive:
        assert reason is not None and reason.startswith("timestamp without timezone")


@FAST
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6), json_values))
def test_interaction_ratings_accepted_only_when_finite_and_in_range(rating):
    record = {"schema_version": 1, "user_id": "u", "item_id": "i", "event": "rating", "rating": rating, "ts": "2024-03-04T09:00:00+00:00"}
    row, _ = verdict(_dumps(record, True), INTERACTIONS)
    if row is not None and row.get("rating") is not None:
        assert 0 <= row["rating"] <= 5 and np.isfinite(row["rating"])


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_every_generated_bad_record_gets_the_reason_it_was_made_for(seed):
    limits = ParseLimits.from_settings(IngestSettings(), datetime.now(timezone.utc))
    for message in mixed_traffic(n_bad=len(BAD_CASES) * 4, n_good=40, seed=seed):
        _, reason = verdict(message.value, NEWS, limits)
        expected = None if message.expected == "duplicate id" else message.expected  # the parser judges one record alone
        assert (reason.split(":")[0] if reason else None) == expected, (message.case, reason)


# ------------------------------------------------------------------ detector

CONFIG = MonitorConfig(window_sizes=("1h",))
DETECTOR = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
window_rows = st.lists(
    st.tuples(st.sampled_from(["market", "ticker:A", "ticker:B"]), st.integers(0, 60), st.integers(1, 80), st.floats(0, 1),
              st.floats(-1, 1)),
    min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1]),
)


def _windows(rows) -> pd.DataFrame:
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame({
        "key": [r[0] for r in rows], "window_size": "1h",
        "window_start": [t0 + pd.Timedelta(hours=r[1]) for r in rows],
        "count": [r[2] for r in rows], "negative_count": [int(round(r[2] * r[3])) for r in rows],
        "mean_score": [r[4] for r in rows],
    })


def _alerts(windows: pd.DataFrame) -> list[dict]:
    evaluated = evaluate_windows(windows, CONFIG)
    return alerts_from_windows(evaluated, CONFIG, pd.Timestamp("2024-01-04", tz="UTC"))


@DETECTOR
@given(window_rows)
def test_spikes_respect_every_threshold_and_figures_are_finite(rows):
    out = evaluate_windows(_windows(rows), CONFIG)
    assert len(out) == len(rows)
    assert np.isfinite(out["z"]).all() and np.isfinite(out["move"]).all()
    fired = out[out["spike"]]
    assert (fired["count"] >= CONFIG.min_volume).all()
    assert (fired["score"] >= CONFIG.alert_threshold).all() and (fired["move"] >= CONFIG.min_move).all()


@DETECTOR
@given(window_rows, st.randoms(use_true_random=False))
def test_alerts_do_not_depend_on_input_order_and_ids_are_unique(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    first, second = _alerts(_windows(rows)), _alerts(_windows(shuffled))
    assert first == second
    ids = [a["alert_id"] for a in first]
    assert len(ids) == len(set(ids))


@DETECTOR
@given(window_rows, st.integers(0, 60), st.randoms(use_true_random=False))
def test_reruns_and_late_windows_never_deliver_one_revision_twice(rows, cut, rnd):
    """Crash-rerun model of the monitor: run on early data, run again (a rerun), then with late data."""
    early = [r for r in rows if r[1] < cut]
    sent: list[tuple[str, int]] = []
    stored: dict[str, dict] = {}
    for batch in (early, early, rows, rows):
        if not batch:
            continue
        fresh = deliveries(stored, _alerts(_windows(batch)))
        sent += [(a["alert_id"], a["revision"]) for a in fresh]
        stored |= {a["alert_id"]: a for a in fresh}
    assert len(sent) == len(set(sent)), "an (alert, revision) pair was delivered twice"
    by_id: dict[str, list[int]] = {}
    for alert_id, revision in sent:
        by_id.setdefault(alert_id, []).append(revision)
    assert all(revs == sorted(set(revs)) for revs in by_id.values()), "revisions only go up"
    final = _alerts(_windows(rows))
    assert deliveries(stored, final) == [], "a rerun on the same data delivers nothing"
    assert {a["alert_id"] for a in final} <= set(stored)


def test_the_bad_record_generator_is_deterministic_for_a_seed():
    a, b = mixed_traffic(200, 100, seed=5), mixed_traffic(200, 100, seed=5)
    assert [(m.key, m.value, m.expected) for m in a] == [(m.key, m.value, m.expected) for m in b]
    assert [(m.key, m.value) for m in a] != [(m.key, m.value) for m in mixed_traffic(200, 100, seed=6)]
