"""Dedup store: duplicates, revision updates, stale revisions, markers, several processes sharing it."""

from __future__ import annotations

from lam_models.alerting.dedup import DedupStore


def test_a_redelivered_alert_is_a_duplicate_and_a_higher_revision_is_new(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        assert store.check("s", "a" * 32, 1) == "new"
        assert store.record("s", "a" * 32, 1, "f1")
        assert store.check("s", "a" * 32, 1) == "duplicate"
        assert store.check("s", "a" * 32, 2) == "new", "a revision update is delivered once"
        assert store.record("s", "a" * 32, 2, "f2")
        assert store.check("s", "a" * 32, 2) == "duplicate"
        assert store.check("s", "a" * 32, 1) == "duplicate", "an old revision that was delivered stays a duplicate"


def test_a_lower_revision_after_a_higher_one_is_stale(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        store.record("s", "b" * 32, 3)
        assert store.check("s", "b" * 32, 2) == "stale"


def test_sinks_are_independent(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        store.record("jsonl:/x", "c" * 32, 1)
        assert store.check("webhook:h", "c" * 32, 1) == "new"


def test_recording_twice_is_harmless_and_reports_it(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        assert store.record("s", "d" * 32, 1) is True
        assert store.record("s", "d" * 32, 1) is False
        assert store.delivered("s") == [("d" * 32, 1)]


def test_marker_is_written_with_the_rows(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        assert store.marker("s") == 0
        added = store.record_many("s", [("e" * 32, 1, None), ("f" * 32, 1, None)], marker=123)
        assert added == 2 and store.marker("s") == 123
        assert store.record_many("s", [("e" * 32, 1, None)], marker=150) == 0
        assert store.marker("s") == 150


def test_a_failed_transaction_records_nothing(tmp_path):
    with DedupStore(tmp_path / "d.sqlite") as store:
        try:
            store.record_many("s", [("g" * 32, 1, None), ("h" * 32, "not a number", None)], marker=9)  # type: ignore[list-item]
        except ValueError:
            pass
        assert store.delivered("s") == [] and store.marker("s") == 0


def test_two_connections_share_one_store_and_it_survives_reopening(tmp_path):
    path = tmp_path / "sub" / "d.sqlite"
    with DedupStore(path) as first, DedupStore(path) as second:
        first.record("s", "i" * 32, 1)
        assert second.check("s", "i" * 32, 1) == "duplicate"
    with DedupStore(path) as again:
        assert again.delivered("s") == [("i" * 32, 1)]
