"""Alert records as Kafka messages: schema-checked, keyed by the alert key (pure; the sending is
``adapters/alert_publisher.py``).

Keying by ``key`` (market, ticker:X, ...) keeps every revision of an alert in one partition, in order.
"""

from __future__ import annotations

import json
from typing import Any

from lam_models.contracts import load_contract


class InvalidAlert(ValueError):
    """An alert record that does not match ``schemas/alert.json``; nothing was sent."""


def alert_message(record: dict[str, Any]) -> tuple[bytes, bytes]:
    """(key, value) of one alert, after checking it against the alert schema.

    Raises:
        InvalidAlert: naming the alert and the schema violation.
    """
    try:
        load_contract("alert").validate(record)
        value = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (ValueError, TypeError) as exc:
        name = record.get("alert_id", "?") if isinstance(record, dict) else "?"
        raise InvalidAlert(f"alert {name} does not match schemas/alert.json: {getattr(exc, 'message', exc)}") from None
    return str(record["key"]).encode("utf-8"), value
