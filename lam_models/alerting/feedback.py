"""Analyst feedback on alerts: the verdict goes to the compacted feedback topic (latest per alert kept),
relabelled headlines go to the labels topic continual fine-tuning learns from.

Everything is checked before anything is sent (the alert exists, every headline is found, every
label is in the label map, every record matches its schema), so bad input writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lam_models import catalog
from lam_models.adapters import delta
from lam_models.contracts import load_contract
from lam_models.sentiment.data import LABELS

VERDICTS = ("useful", "false-alarm")
HEADLINE_TABLES = (catalog.SILVER_NEWS, catalog.BRONZE["news"])
"""Where a relabelled headline's text is looked up, first match wins."""


class FeedbackError(ValueError):
    """Feedback that cannot be kept (unknown alert or headline, bad label or verdict); nothing was written."""


def parse_relabels(items: Iterable[str]) -> dict[str, str]:
    """``HEADLINE_ID=label`` items -> {headline id: label}, labels checked against the label map.

    Raises:
        FeedbackError: an item is not ``id=label``, its label is not one of ``LABELS``, or one id gets
            two different labels.
    """
    found: dict[str, str] = {}
    for item in items:
        headline_id, sep, label = item.rpartition("=")
        headline_id, label = headline_id.strip(), label.strip()
        if not sep or not headline_id:
            raise FeedbackError(f"--relabel {item!r} is not HEADLINE_ID=LABEL (e.g. bz-123=negative)")
        if label not in LABELS:
            raise FeedbackError(f"--relabel {item!r}: label {label!r} is not in the label map {list(LABELS)}")
        if found.get(headline_id, label) != label:
            raise FeedbackError(f"--relabel gives headline {headline_id!r} two labels: {found[headline_id]!r} and {label!r}")
        found[headline_id] = label
    return found


def build_records(alert: dict[str, Any], verdict: str, relabels: dict[str, str], texts: dict[str, str],
                  analyst: str, ts: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The feedback record and the label records of one verdict, both schema-checked (pure).

    Args:
        alert: the judged alert record (``schemas/alert.json``).
        verdict: ``useful`` or ``false-alarm``.
        relabels: headline id -> label (from ``parse_relabels``).
        texts: headline id -> headline text, for every relabelled id.
        analyst: who judged; labels get the source ``analyst:<name>``.
        ts: when (tz-aware).

    Raises:
        FeedbackError: bad verdict, a relabelled id without text, or a record breaking its schema.
    """
    if verdict not in VERDICTS:
        raise FeedbackError(f"verdict {verdict!r} is not one of {list(VERDICTS)}")
    missing = sorted(set(relabels) - set(texts))
    if missing:
        raise FeedbackError(f"unknown headline id(s) {missing}: not in {' or '.join(t.name for t in HEADLINE_TABLES)}")
    stamp = ts.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    basis = json.dumps([alert["alert_id"], verdict, sorted(relabels.items()), analyst, stamp])
    feedback_id = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]
    labels = [{
        "schema_version": 1, "id": hashlib.sha256(f"{feedback_id}|{hid}".encode()).hexdigest()[:32],
        "text": texts[hid], "label": label, "source": f"analyst:{analyst}", "ref_id": hid, "ts": stamp,
    } for hid, label in sorted(relabels.items())]
    feedback = {
        "schema_version": 1, "feedback_id": feedback_id, "alert_id": alert["alert_id"], "verdict": verdict,
        "relabels": [{"headline_id": r["ref_id"], "label": r["label"], "label_id": r["id"]} for r in labels],
        "analyst": analyst, "ts": stamp,
        "alert": {
            "kind": alert["kind"], "key": alert["key"], "window_size": alert["window_size"],
            "window_start": alert["window_start"], "severity": alert["severity"], "revision": int(alert["revision"]),
            "detector": alert.get("detector"), "topics": [int(t["topic"]) for t in alert.get("topics", [])],
            "score": alert.get("score"),
        },
    }
    _check("feedback", [feedback])
    _check("labels", labels)
    return feedback, labels


def find_alert(lake_root: Path, alert_id: str) -> dict[str, Any]:
    """The latest revision of an alert from the monitor's alerts table.

    Raises:
        FeedbackError: no alert has this id.
    """
    table = delta.read_frame(catalog.ALERTS.path(lake_root))
    rows = [] if table is None else table.loc[table["alert_id"] == alert_id, "record"].tolist()
    if not rows:
        size = 0 if table is None else len(table)
        raise FeedbackError(f"unknown alert_id {alert_id!r}: not among the {size} alerts in {lake_root}/gold/alerts")
    return json.loads(rows[0])


def find_headlines(lake_root: Path, ids: Iterable[str]) -> dict[str, str]:
    """Headline text by id from silver, then bronze (ids found nowhere are absent from the result)."""
    import pyarrow.compute as pc

    wanted, found = sorted(set(ids)), {}
    for name in HEADLINE_TABLES:
        rows = delta.dataset(name.path(lake_root))
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


def _check(name: str, records: list[dict[str, Any]]) -> None:
    validate = load_contract(name).validate
    for record in records:
        try:
            validate(record)
        except ValueError as exc:
            raise FeedbackError(f"{name} record breaks schemas/{name}.json: {getattr(exc, 'message', exc)}") from None


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


