"""Publish alert records to the alerts topic: schema-checked first, keyed by the alert key, acks=all.

The producer is idempotent, so its own retries never duplicate a record; a record the broker did not
acknowledge raises instead of being counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lam_models.adapters.kafka_admin import check_reachable
from lam_models.adapters.kafka_config import client_config
from lam_models.alerting.publish import InvalidAlert, alert_message
from lam_models.settings import Settings


def publish_alerts(settings: Settings, records: Iterable[dict[str, Any]], topic: str | None = None,
                   timeout_s: float = 60.0) -> int:
    """Send alert records and wait until the broker acknowledged all of them.

    Every record is validated before the first one is sent, so an invalid batch sends nothing.

    Args:
        settings: broker and topic names.
        records: alert records (as built by ``monitor.alerts``), revisions already merged.
        topic: defaults to ``settings.topics.alerts``.
        timeout_s: how long to wait for the acknowledgements.

    Returns:
        The number of records acknowledged.

    Raises:
        InvalidAlert: a record breaks the schema (nothing sent).
        kafka.errors.KafkaError: the broker did not acknowledge a record in time.
    """
    messages = []
    for number, record in enumerate(records, 1):
        try:
            messages.append(alert_message(record))
        except InvalidAlert as exc:
            raise InvalidAlert(f"record {number}: {exc}") from None
    if not messages:
        return 0
    from kafka import KafkaProducer

    check_reachable(settings)
    producer = KafkaProducer(**client_config(settings.kafka), acks="all", enable_idempotence=True, retries=10,
                             linger_ms=5, max_in_flight_requests_per_connection=5)
    try:
        futures = [producer.send(topic or settings.topics.alerts, key=k, value=v) for k, v in messages]
        producer.flush(timeout=timeout_s)
        for future in futures:
            future.get(timeout=timeout_s)
    finally:
        producer.close(timeout=10)
    return len(futures)
