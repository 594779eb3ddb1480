"""Analyst feedback on alerts, as records: the verdict for the compacted feedback topic (latest per alert
kept), relabelled headlines for the labels topic continual fine-tuning learns from (pure; the lake
look-ups and the Kafka I/O are ``adapters/alert_feedback.py``).

Every record is checked (every headline is found, every label is in the label map, every record
matches its schema) before anything is sent, so bad input writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from lam_models import catalog
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


def _check(name: str, records: list[dict[str, Any]]) -> None:
    validate = load_contract(name).validate
    for record in records:
        try:
            validate(record)
        except ValueError as exc:
            raise FeedbackError(f"{name} record breaks schemas/{name}.json: {getattr(exc, 'message', exc)}") from None
