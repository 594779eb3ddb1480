"""Analyst feedback I/O: find the alert and the relabelled headlines in the lake, send the verdict and the
labels to Kafka, read the verdicts back. The records themselves are built and checked in ``alerting/feedback.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lam_models import catalog
from lam_models import delta_tables
from lam_models.alerting.feedback import HEADLINE_TABLES, FeedbackError, build_records, parse_relabels


def find_alert(lake_root: Path, alert_id: str) -> dict[str, Any]:
    """The latest revision of an alert from the monitor's alerts table.

    Raises:
        FeedbackError: no alert has this id.
    """
    table = delta_tables.read_frame(catalog.ALERTS.path(lake_root))
    rows = [] if table is None else table.loc[table["alert_id"] == alert_id, "record"].tolist()
    if not rows:
        size = 0 if table is None else len(table)
        raise FeedbackError(f"unknown alert_id {alert_id!r}: not among the {size} alerts in {lake_root}/gold/alerts")
    return json.loads(rows[0])


def find_headlines(lake_root: Path, ids: Iterable[str]) -> dict[str, str]:
    """Headline text by id from silver, then bronze (ids found nowhere are absent from the result)."""
    import pyarrow.compute as pc

    wanted, found = sorted(set(ids)), {}
    for table_name in HEADLINE_TABLES:
        rows = delta_tables.dataset(table_name.path(lake_root))
        todo = [i for i in wanted if i not in found]
        if rows is None or not todo:
            continue
        table = rows.to_table(columns=["id", "headline"], filter=pc.field("id").isin(todo))
        for hid, text in zip(table.column("id").to_pylist(), table.column("headline").to_pylist()):
            found.setdefault(hid, text)
    return found


def submit_feedback(settings: Any, alert_id: str, verdict: str, relabel_items: Iterable[str], analyst: str,
                    ts: datetime | None = None) -> dict[str, Any]:
    """Check a verdict (and relabels) completely, then publish the labels and the feedback.

    Returns:
        The feedback record as published.

    Raises:
        FeedbackError: bad input; nothing was sent.
    """
    relabels = parse_relabels(relabel_items)
    alert = find_alert(settings.lake_root, alert_id)
    texts = find_headlines(settings.lake_root, relabels) if relabels else {}
    feedback, labels = build_records(alert, verdict, relabels, texts, analyst, ts or datetime.now(timezone.utc))
    _publish(settings, feedback, labels)
    return feedback


def read_feedback(settings: Any) -> list[dict[str, Any]]:
    """Every feedback record on the topic, in topic order per alert; empty before the first verdict."""
    from lam_models.adapters.kafka_admin import check_reachable, read_topic_since

    check_reachable(settings)
    if settings.topics.feedback not in _topics(settings):
        return []
    return [json.loads(v) for v in read_topic_since(settings, settings.topics.feedback, {})]


def _publish(settings: Any, feedback: dict[str, Any], labels: list[dict[str, Any]]) -> None:
    """Labels first (keyed by id), then the verdict (keyed by alert id), each acknowledged by all replicas.

    Not a Kafka transaction: its commit markers take offsets, which the ingest job's offset
    reconciliation would count as missing records. A crash between the two sends leaves labels
    without a verdict; sending the feedback again is safe (the labels table keeps one row per text).
    """
    from lam_models.adapters.kafka_admin import check_reachable, ensure_topics
    from lam_models.adapters.producers import encode, produce

    check_reachable(settings)
    ensure_topics(settings, [settings.topics.labels])
    ensure_topics(settings, [settings.topics.feedback], config={"cleanup.policy": "compact"})
    produce(settings, settings.topics.labels, [(r["id"].encode(), encode(r), None) for r in labels], progress=False)
    produce(settings, settings.topics.feedback, [(feedback["alert_id"].encode(), encode(feedback), None)], progress=False)


def _topics(settings: Any) -> set[str]:
    from kafka import KafkaConsumer

    from lam_models.adapters.kafka_config import client_config

    consumer = KafkaConsumer(**client_config(settings.kafka))
    try:
        return set(consumer.topics())
    finally:
        consumer.close()


