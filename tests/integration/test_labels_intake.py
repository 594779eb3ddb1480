"""Labels topic on the real broker and Spark: schema-checked into bronze + dead-letter, then one row per text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobs import ingest
from lam_models import catalog
from lam_models.adapters.producers import encode, produce
from lam_models.continual import labels
from lam_models.sentiment.data import LabelledTexts, fetch_phrasebank
from tests.lake_tables import read

pytestmark = pytest.mark.integration

WHEN = datetime(2024, 3, 4, 12, tzinfo=UTC)


def test_label_records_land_once_per_text_and_bad_ones_are_dead_lettered(kafka_settings, spark, data_dir):
    s = kafka_settings
    bank = fetch_phrasebank("allagree", data_dir)
    sample = LabelledTexts(bank.texts[:30], bank.labels[:30], "allagree")
    records = labels.records_from_texts(sample, "file:allagree", WHEN)
    correction = {**records[0], "id": "analyst-1", "source": "analyst:kim", "label": "neutral",
                  "ts": "2024-03-05T09:00:00+00:00", "ref_id": "benzinga-1"}
    bad = [{**records[1], "id": "bad-label", "label": "bearish"},
           {k: v for k, v in records[2].items() if k != "text"} | {"id": "no-text"},
           {**records[3], "id": "naive-ts", "ts": "2024-03-04T12:00:00"}]
    messages = [(r["id"].encode(), encode(r), None) for r in [*records, correction, *bad]]
    messages.append((b"junk", b"{not json", None))
    produce(s, s.topics.labels, messages, progress=False)

    result = ingest.run("labels", s)

    assert (result.records_in, result.bronze, result.deadletter) == (35, 31, 4) and result.reconciled
    assert result.reasons == {"schema": 2, "timestamp without timezone": 1, "malformed json": 1}
    dead = read(catalog.path(s.lake_root, "deadletter"))
    assert {bytes(v) for v in dead["value"]} == {value for _, value, _ in messages[-4:]}, "kept byte for byte"
    assert len(read(catalog.path(s.lake_root, "bronze/labels"))) == 31

    landed = labels.land(s.lake_root, labels.read_bronze(s.lake_root))
    table = labels.read_table(s.lake_root)
    assert (landed.new, len(table)) == (30, 30), "the correction of a text already labelled is one row"
    first = table[table["text"] == records[0]["text"]].iloc[0]
    assert (first["label"], first["source"], first["ref_id"]) == ("neutral", "analyst:kim", "benzinga-1")

    produce(s, s.topics.labels, messages[:5], progress=False)  # a replay of records already in bronze
    again = ingest.run("labels", s)
    assert (again.bronze, again.reasons) == (0, {"duplicate id": 5})
    assert labels.land(s.lake_root, labels.read_bronze(s.lake_root)).new == 0
    assert len(read(catalog.path(s.lake_root, "bronze/labels"))) == 31
