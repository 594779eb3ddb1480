"""Replay producers: keyed, batched, idempotent kafka-python producers with a progress bar."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lam_models.adapters.kafka_config import client_config
from lam_models.datasets import Headline, read_benzinga
from lam_models.settings import Settings

Message = tuple[bytes | None, bytes | None, int | None]
"""(key, value, broker timestamp in ms or None): replays stamp records with their event time."""


def encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def news_record(headline: Headline, source: str = "benzinga") -> dict[str, Any]:
    """A Benzinga row as a ``news`` record; the event time is kept as published."""
    published = datetime.fromisoformat(headline.date)  # type: ignore[arg-type]
    return {
        "schema_version": 1,
        "id": f"{source}-{headline.id}",
        "tickers": [headline.ticker],
        "headline": headline.title,
        "published_at": published.isoformat(),
        "source": source,
    }


def benzinga_messages(folder: Path) -> tuple[list[Message], list[Headline]]:
    """Keyed messages of the Benzinga file in event-time order, and the rows it could not read."""
    rows = list(read_benzinga(folder))
    good = sorted((r for r in rows if r.reject_reason is None), key=lambda r: datetime.fromisoformat(r.date))  # type: ignore[arg-type]
    messages = [(r.ticker.encode(), encode(news_record(r)), _millis(datetime.fromisoformat(r.date))) for r in good]  # type: ignore[union-attr,arg-type]
    return messages, [r for r in rows if r.reject_reason]


def movielens_messages(folder: Path) -> list[Message]:
    """MovieLens-100k ratings (``u.data``) as ``interactions`` records keyed by user, in time order."""
    rows = []
    with open(folder / "u.data") as handle:
        for line in handle:
            user, item, rating, ts = line.split("\t")
            rows.append((int(ts), user, item, float(rating)))
    rows.sort()
    return [
        (user.encode(), encode({
            "schema_version": 1, "user_id": user, "item_id": item, "event": "rating", "rating": rating,
            "ts": datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(),
        }), ts * 1000)
        for ts, user, item, rating in rows
    ]


def jsonl_messages(path: Path, key_field: str) -> Iterator[Message]:
    """Records of a JSON-lines file sent as they are (the ingest validates them)."""
    with open(path, "rb") as handle:
        for line in handle:
            line = line.rstrip(b"\r\n")
            if line:
                try:
                    key = str(json.loads(line).get(key_field, "")).encode()
                except (ValueError, AttributeError):
                    key = None
                yield key, line, None


def produce(settings: Settings, topic: str, messages: Iterable[Message], total: int | None = None, progress: bool = True) -> int:
    """Send messages with acks=all and idempotence, flush, and return how many were acknowledged."""
    from kafka import KafkaProducer

    producer = KafkaProducer(
        **client_config(settings.kafka), acks="all", enable_idempotence=True, linger_ms=20,
        batch_size=262_144, retries=10, max_request_size=2_097_152,
    )
    sent = 0
    try:
        with _progress(progress) as bar:
            task = bar.add_task(f"produce {topic}", total=total)
            for key, value, timestamp_ms in messages:
                producer.send(topic, key=key, value=value, timestamp_ms=timestamp_ms)
                sent += 1
                if sent % 2000 == 0:
                    bar.update(task, completed=sent)
            producer.flush()
            bar.update(task, completed=sent)
    finally:
        producer.close()
    return sent


def _millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _progress(enabled: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), disable=not enabled)
