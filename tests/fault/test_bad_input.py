"""Bad input at volume: 10,000 malformed and adversarial records mixed into 5,000 good ones, one real ingest.

No crash; every bad record is in dead-letter, byte for byte, with the reason it was generated for;
every good one is in bronze exactly once; records in = good + rejected exactly.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from jobs import ingest
from lam_models.adapters.producers import produce
from tests.badrecords import GOOD, expected_counts, mixed_traffic
from tests.fault.conftest import bronze, deadletter
from tests.unit.test_no_pickle import pickle_like_files

pytestmark = [pytest.mark.integration, pytest.mark.fault]

N_BAD, N_GOOD = 10_000, 5_000


def test_ten_thousand_bad_records_are_dead_lettered_with_their_reason(kafka_settings, spark, figures):
    s = kafka_settings
    traffic = mixed_traffic(n_bad=N_BAD, n_good=N_GOOD, seed=12)
    sent = produce(s, s.topics.news, (m.message for m in traffic), progress=False)
    assert sent == len(traffic) == N_BAD + N_GOOD

    began = time.perf_counter()
    result = ingest.run("news", s)  # must not raise: a crash here is the failure this test exists for
    seconds = time.perf_counter() - began

    assert result.records_in == N_GOOD + N_BAD, "every record sent was read"
    assert (result.bronze, result.deadletter) == (N_GOOD, N_BAD), result.reasons
    assert result.reconciled and result.records_in == result.bronze + result.deadletter
    assert result.reasons == expected_counts(traffic), "each reason kind is given exactly as often as generated"

    kept = bronze(s)
    want_ids = sorted(m.id for m in traffic if m.expected is GOOD)
    assert kept["id"].is_unique and sorted(kept["id"]) == want_ids, "every good record once, nothing else"

    dead = deadletter(s)
    assert len(dead) == N_BAD and dead["reason"].notna().all()
    got = Counter((None if v is None else bytes(v), r.split(":")[0]) for v, r in zip(dead["value"], dead["reason"]))
    want = Counter((m.value, m.expected) for m in traffic if m.expected is not GOOD)
    assert got == want, f"dead-letter differs: missing {list((want - got).items())[:3]}, unexpected {list((got - want).items())[:3]}"

    assert not pickle_like_files(s.lake_root)
    figures["bad_input"] = {
        "records_tried": result.records_in, "good": N_GOOD, "rejected": result.deadletter,
        "lost": len(set(want_ids) - set(kept["id"])) + sum((want - got).values()),
        "duplicates": int(len(kept) - kept["id"].nunique()), "crashes": 0,
        "reasons": dict(sorted(result.reasons.items())), "bad_cases": len({m.case for m in traffic if m.expected is not GOOD}),
        "ingest_seconds": round(seconds, 1),
    }
