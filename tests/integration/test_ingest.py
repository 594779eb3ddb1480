"""Ingest on the real broker and real Spark: exact ranges, dead-letter reasons, idempotence, crash, backfill."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pandas as pd
import pytest

from jobs import ingest
from lam_models import catalog
from lam_models.adapters.producers import produce
from tests.lake_tables import read
from tests.records import DAY0, bad_news_messages, expected_reason_kinds, good_news

pytestmark = pytest.mark.integration


def bronze(settings) -> pd.DataFrame:
    return read(catalog.path(settings.lake_root, "bronze/news"))


def deadletter(settings) -> pd.DataFrame:
    return read(catalog.path(settings.lake_root, "deadletter"))


def statistics_columns(path) -> set[str]:
    """Columns the table's files carry min/max statistics on (from the Delta log's add actions)."""
    from deltalake import DeltaTable

    names = DeltaTable(str(path)).get_add_actions(flatten=True).schema.names
    return {name.removeprefix("min.") for name in names if name.startswith("min.")}


@pytest.mark.parametrize("native", [False, True], ids=["python-parser", "native-fast-path"])
def test_good_and_bad_records_land_in_bronze_and_deadletter(kafka_settings, spark, native):
    s = kafka_settings.model_copy(update={"ingest": kafka_settings.ingest.model_copy(update={"native_validation": native})})
    bad = bad_news_messages()
    produce(s, s.topics.news, good_news(40) + bad, progress=False)

    first = ingest.run("news", s)

    assert (first.records_in, first.bronze, first.deadletter) == (40 + len(bad), 40, len(bad))
    assert first.reconciled
    assert first.native_validated == (40 if native else 0), "canonical good records are proved natively, the bad ones never"
    assert first.reasons == expected_reason_kinds()
    rows = bronze(s)
    assert len(rows) == 40 and rows["id"].is_unique
    assert set(rows["event_date"].astype(str)) == {"2024-03-04", "2024-03-05"}
    dead = deadletter(s)
    assert len(dead) == len(bad) and dead["reason"].notna().all()
    raw = {bytes(v) if v is not None else None for v in dead["value"]}
    assert raw == {v for _, v, _ in bad}, "dead-letter keeps every rejected record byte for byte"
    for table in (catalog.BRONZE["news"], catalog.DEADLETTER):
        assert statistics_columns(table.path(s.lake_root)) == set(table.properties["delta.dataSkippingStatsColumns"].split(","))

    again = ingest.run("news", s)
    assert again.records_in == 0 and len(bronze(s)) == 40, "no new data: nothing read, nothing written"

    produce(s, s.topics.news, good_news(10, start=40) + good_news(3, start=0), progress=False)
    third = ingest.run("news", s)
    assert (third.records_in, third.bronze, third.deadletter) == (13, 10, 3), "only the new range is read"
    assert third.reasons == {"duplicate id": 3}
    assert len(bronze(s)) == 50 and bronze(s)["id"].is_unique


def test_crash_before_the_batch_commit_reruns_to_identical_bronze(kafka_settings, spark):
    s = kafka_settings
    produce(s, s.topics.news, good_news(30), progress=False)
    env = {**os.environ, "LAM_FAILPOINT": "ingest.before_commit", **s.to_env()}
    crashed = subprocess.run([sys.executable, "-m", "jobs.ingest", "--topic", "news"], env=env, capture_output=True, text=True)
    assert crashed.returncode == -9, crashed.stderr[-2000:]
    before = bronze(s).sort_values("id").reset_index(drop=True)
    assert len(before) == 30, "the crash happened after the output was written"

    rerun = ingest.run("news", s)

    assert rerun.records_in == 30 and rerun.bronze == 30, "the rerun replays exactly the recorded batch"
    after = bronze(s).sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert ingest.run("news", s).records_in == 0


def test_backfill_reads_exactly_the_time_window(kafka_settings, spark):
    s = kafka_settings
    produce(s, s.topics.news, good_news(30, days=3), progress=False)
    start, end = DAY0 + timedelta(days=1) - timedelta(hours=1), DAY0 + timedelta(days=2) - timedelta(hours=1)
    expected = {f"t-{i}" for i in range(30) if i % 3 == 1}

    result = ingest.run("news", s, start=start, end=end)

    assert result.records_in == len(expected)
    assert set(bronze(s)["id"]) == expected
    repeat = ingest.run("news", s, start=start, end=end)
    assert repeat.already_ingested == len(expected) and repeat.bronze == 0, "a second backfill changes nothing"
    assert len(bronze(s)) == len(expected)


def test_transactional_producer_commit_markers_do_not_break_reconciliation(kafka_settings, spark):
    from kafka import KafkaProducer

    from lam_models.adapters.kafka_config import client_config

    s = kafka_settings
    producer = KafkaProducer(**client_config(s.kafka), transactional_id="t-ingest", acks="all")
    producer.init_transactions()
    producer.begin_transaction()
    for key, value, stamp in good_news(12):
        producer.send(s.topics.news, key=key, value=value, timestamp_ms=stamp, partition=0)
    producer.commit_transaction()
    producer.close()

    result = ingest.run("news", s)

    assert result.offsets_spanned == 13, "12 records and one commit marker"
    assert (result.records_in, result.bronze, result.deadletter) == (12, 12, 0) and result.reconciled
    assert ingest.run("news", s).records_in == 0, "the marker's offset is committed too: nothing is read again"


def test_missing_broker_gives_one_clear_error(settings):
    from lam_models.adapters.kafka_admin import BrokerUnreachable

    unreachable = settings.model_copy(update={"kafka": settings.kafka.model_copy(update={"bootstrap_servers": "127.0.0.1:1"})})
    with pytest.raises(BrokerUnreachable, match="lam kafka start"):
        ingest.run("news", unreachable)
