"""The delivered log's pure parts: revision verdicts, the record format of the compacted topic, rebuilding from it."""

from __future__ import annotations

import json

from lam_models.alerting.delivered import DeliveredIndex, Delivery

A, B = "a" * 32, "b" * 32


def test_a_redelivered_alert_is_a_duplicate_and_a_higher_revision_is_new():
    index = DeliveredIndex()
    assert index.check("s", A, 1) == "new"
    assert index.add(Delivery("s", A, 1, "f1"))
    assert index.check("s", A, 1) == "duplicate"
    assert index.check("s", A, 2) == "new", "a revision update is delivered once"
    assert index.add(Delivery("s", A, 2, "f2"))
    assert index.check("s", A, 2) == "duplicate"
    assert index.check("s", A, 1) == "duplicate", "an old revision that was delivered stays a duplicate"


def test_a_lower_revision_after_a_higher_one_is_stale():
    index = DeliveredIndex()
    index.add(Delivery("s", B, 3))
    assert index.check("s", B, 2) == "stale"


def test_sinks_are_independent_and_adding_twice_reports_it():
    index = DeliveredIndex()
    assert index.add(Delivery("jsonl:/x", A, 1)) and not index.add(Delivery("jsonl:/x", A, 1))
    assert index.check("webhook:h", A, 1) == "new"
    assert index.delivered("jsonl:/x") == [(A, 1)] and len(index) == 1


def test_the_compaction_key_is_unique_per_sink_alert_and_revision():
    keys = {Delivery(s, a, r).key() for s in ("s", "s:1") for a in (A, B) for r in (1, 2)}
    assert len(keys) == 8, "every revision is its own record: compaction never replaces one delivery by another"
    assert Delivery("a:b", "c", 1).key() != Delivery("a", "b:c", 1).key(), "no separator can make two keys clash"
    assert Delivery("s", A, 1, "f").key() == Delivery("s", A, 1, None).key(), "a rewrite of one delivery compacts away"


def test_a_record_round_trips_and_says_who_delivered():
    delivery = Delivery("webhook:h:abc", A, 2, "fp")
    value = delivery.encode(group="ops", member="pod-1")
    assert Delivery.decode(value) == delivery
    assert {"group": "ops", "member": "pod-1", "v": 1}.items() <= json.loads(value).items()
    assert json.loads(value)["delivered_at"].endswith("+00:00")


def test_tombstones_and_foreign_records_are_skipped():
    assert Delivery.decode(None) is None
    assert Delivery.decode(b"not json") is None
    assert Delivery.decode(b"[1, 2]") is None
    assert Delivery.decode(json.dumps({"v": 99, "sink": "s", "alert_id": A, "revision": 1}).encode()) is None
    assert Delivery.decode(json.dumps({"v": 1, "sink": "s", "alert_id": A}).encode()) is None
    assert Delivery.decode(json.dumps({"v": 1, "sink": "s", "alert_id": A, "revision": "x"}).encode()) is None


def test_a_member_rebuilt_from_another_members_records_sees_its_deliveries():
    """What a newly assigned member does: read the topic's records (in any partition order) into a fresh index."""
    first = DeliveredIndex()
    records = []
    for delivery in (Delivery("pager", A, 1), Delivery("pager", A, 2), Delivery("archive", B, 1)):
        first.add(delivery)
        records.append(delivery.encode(member="pod-1"))
    records.append(Delivery("pager", A, 1).encode(member="pod-2"))  # the same delivery recorded twice
    rebuilt = DeliveredIndex()
    for value in reversed(records):
        decoded = Delivery.decode(value)
        assert decoded is not None
        rebuilt.add(decoded)
    for sink, alert, revision in (("pager", A, 1), ("pager", A, 2), ("archive", B, 1), ("archive", B, 2)):
        assert rebuilt.check(sink, alert, revision) == first.check(sink, alert, revision)
    assert len(rebuilt) == len(first) == 3
