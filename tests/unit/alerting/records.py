"""Valid alert records for the alerting tests (ids and fingerprints as the monitor computes them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from lam_models.monitor.state import alert_id, fingerprint, iso_utc

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
TICKERS = [f"T{i:02d}" for i in range(40)]


def make_alert(i: int, revision: int = 1, key: str | None = None) -> dict[str, Any]:
    """Alert number ``i`` (distinct id per i); a higher ``revision`` is a resolved update of the same alert."""
    key = key or f"ticker:{TICKERS[i % len(TICKERS)]}"
    start = T0 + timedelta(hours=i)
    resolved = revision > 1
    record: dict[str, Any] = {
        "schema_version": 1, "alert_id": alert_id(key, "1h", start), "kind": "ticker", "key": key,
        "window_size": "1h", "window_seconds": 3600, "window_start": iso_utc(start),
        "window_end": iso_utc(start + timedelta(hours=1)), "state": "resolved" if resolved else "firing",
        "severity": "high", "figures": {"count": 12, "negative_count": 9, "negative_share": 0.75, "mean_score": -0.4},
        "baseline": {"negative_share": 0.2, "spread": 0.05, "history": 40.0}, "move": 0.5, "z": 4.2,
        "spike_windows": 1, "resolved_at": iso_utc(start + timedelta(hours=4)) if resolved else None,
        "revision": revision,
        "evidence": [{"id": f"n-{i}", "headline": f"Company {i} misses badly", "score": -0.9,
                      "published_at": iso_utc(start + timedelta(minutes=5))}],
    }
    record["fingerprint"] = fingerprint(record)
    return record
