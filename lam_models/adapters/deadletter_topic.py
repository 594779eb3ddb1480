"""The alert consumer's dead-letter topic ``<alerts>.deadletter``: durable (acks=all) before ``write`` returns."""

from __future__ import annotations

from typing import Any

from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.adapters.kafka_config import client_config
from lam_models.settings import Settings


class DeadLetterTopic:
    """Dead-letter on ``<alerts>.deadletter``: the raw bytes as value, reason and origin as headers."""

    def __init__(self, settings: Settings, topic: str) -> None:
        from kafka import KafkaProducer

        ensure_topics(settings, [topic])
        self.topic = topic
        self._producer = KafkaProducer(**client_config(settings.kafka), acks="all", enable_idempotence=True, retries=10)

    def write(self, reason: str, value: bytes | None, **context: Any) -> None:
        key = context.get("key")
        headers = [("lam.reason", reason.encode("utf-8"))]
        headers += [(f"lam.{k}", str(v).encode("utf-8")) for k, v in context.items() if k != "key" and v is not None]
        future = self._producer.send(self.topic, value=value, key=key.encode("utf-8") if key else None, headers=headers)
        future.get(timeout=30)  # durable (acks=all) before the offset may be committed

    def close(self) -> None:
        self._producer.close(timeout=10)
