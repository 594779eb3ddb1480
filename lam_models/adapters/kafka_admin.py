"""Topic creation and offset look-ups against the broker (kafka-python), with one clear error if it is down."""

from __future__ import annotations

import socket
from datetime import datetime

from lam_models.adapters.kafka_config import client_config
from lam_models.settings import Settings


class BrokerUnreachable(RuntimeError):
    """No broker answered at the configured address."""


def _unreachable(settings: Settings) -> BrokerUnreachable:
    return BrokerUnreachable(
        f"Kafka broker at {settings.kafka.bootstrap_servers} is not reachable: start the local one with `lam kafka start` "
        "or set LAM_KAFKA__BOOTSTRAP_SERVERS"
    )


def check_reachable(settings: Settings, timeout_s: float = 2.0) -> None:
    """Fail fast with the fix when no bootstrap server accepts a connection."""
    for server in settings.kafka.bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s):
                return
        except OSError:
            continue
    raise _unreachable(settings)


def ensure_topics(settings: Settings, names: list[str] | None = None, config: dict[str, str] | None = None) -> list[str]:
    """Create the project's topics that do not exist yet (with topic ``config``, e.g. compaction); returns those created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    t = settings.topics
    wanted = names or [t.news, t.interactions, t.alerts, t.labels]
    check_reachable(settings)
    admin = KafkaAdminClient(**client_config(settings.kafka), request_timeout_ms=15000)
    try:
        missing = [n for n in wanted if n not in set(admin.list_topics())]
        if missing:
            try:
                admin.create_topics([NewTopic(n, num_partitions=t.partitions, replication_factor=1, topic_configs=config or {})
                                     for n in missing])
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        admin.close()


class OffsetReader:
    """Earliest/latest offsets and offsets-for-times of one topic's partitions."""

    def __init__(self, settings: Settings, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        check_reachable(settings)
        self._consumer = KafkaConsumer(**client_config(settings.kafka), enable_auto_commit=False, request_timeout_ms=20000)
        partitions = self._consumer.partitions_for_topic(topic)
        if not partitions:
            self._consumer.close()
            raise RuntimeError(f"topic {topic!r} does not exist on {settings.kafka.bootstrap_servers}: run `lam kafka topics`")
        self._tps = [TopicPartition(topic, p) for p in sorted(partitions)]

    def __enter__(self) -> OffsetReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._consumer.close()

    def earliest(self) -> dict[int, int]:
        return {tp.partition: o for tp, o in self._consumer.beginning_offsets(self._tps).items()}

    def latest(self) -> dict[int, int]:
        return {tp.partition: o for tp, o in self._consumer.end_offsets(self._tps).items()}

    def at_time(self, when: datetime) -> dict[int, int | None]:
        """First offset whose broker timestamp is >= ``when`` per partition (None: none that late)."""
        found = self._consumer.offsets_for_times({tp: int(when.timestamp() * 1000) for tp in self._tps})
        return {tp.partition: (o.offset if o is not None else None) for tp, o in found.items()}


def topic_end_offsets(settings: Settings, topic: str) -> dict[str, int]:
    """End offset per partition (as JSON-friendly string keys)."""
    with OffsetReader(settings, topic) as offsets:
        return {str(p): o for p, o in offsets.latest().items()}


def read_topic_since(settings: Settings, topic: str, start: dict[str, int]) -> list[bytes]:
    """Values of every record from ``start`` (per partition; missing = beginning) up to the current end."""
    from kafka import KafkaConsumer, TopicPartition

    with OffsetReader(settings, topic) as offsets:
        end = offsets.latest()
    todo = {p: (int(start.get(str(p), 0)), e) for p, e in end.items() if e > int(start.get(str(p), 0))}
    if not todo:
        return []
    consumer = KafkaConsumer(**client_config(settings.kafka), enable_auto_commit=False)
    try:
        values: list[bytes] = []
        for partition, (first, last) in todo.items():
            tp = TopicPartition(topic, partition)
            consumer.assign([tp])
            consumer.seek(tp, first)
            while consumer.position(tp) < last:
                for records in consumer.poll(timeout_ms=1000).values():
                    values.extend(r.value for r in records if r.offset < last)
        return values
    finally:
        consumer.close()
