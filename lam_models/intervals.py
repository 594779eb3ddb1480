"""Run intervals: every job, DAG and CLI reads ``[start, end)`` as timezone-aware UTC instants."""

from __future__ import annotations

from datetime import date, datetime, timezone


def as_utc(value: datetime | date | str) -> datetime:
    """A timezone-aware UTC ``datetime`` from a datetime, a date (midnight) or an ISO-8601 string.

    Naive values are taken as UTC. Pendulum values (Airflow's) become plain datetimes.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    value = datetime.fromisoformat(value.isoformat())
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
