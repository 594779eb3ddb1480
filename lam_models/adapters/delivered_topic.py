"""The dedup state of the alert consumers on a compacted topic, ``<alerts>.delivered``.

Consumer pods share no disk (the run folder is an emptyDir), but they share the broker: each delivery
is written there, acknowledged by all in-sync replicas, *before* the offset of its alert is committed;
a member that is assigned partitions reads the topic to its end before it handles their records. So
when a partition moves (rebalance, rollout, a killed pod), the records the previous owner delivered
but had not committed come back to the new owner as duplicates, not as second deliveries.

The topic holds one small record per delivery and compaction only drops rewrites of the same key, so
it is read once in full when a member starts and incrementally after that.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.adapters.kafka_config import client_config
from lam_models.alerting.delivered import DeliveredIndex, Delivery, Verdict

if TYPE_CHECKING:
    from lam_models.settings import Settings


class DeliveredLogUnavailable(RuntimeError):
    """The delivered topic could not be read to its end or written in time: delivering now could repeat alerts."""


def delivered_topic_name(settings: Settings) -> str:
    return f"{settings.topics.alerts}.delivered"


class DeliveredTopic:
    """A ``DeliveredLog`` on Kafka: an idempotent producer (acks=all) and an unassigned reader of every partition.

    Args:
        settings: broker and topic names.
        context: written into every record (e.g. group and member) so a reader of the topic sees who delivered.
        timeout_s: longest wait for one catch-up or one acknowledged write.
    """

    def __init__(self, settings: Settings, context: dict[str, Any] | None = None, timeout_s: float = 60.0) -> None:
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        self.topic = delivered_topic_name(settings)
        self.timeout_s = timeout_s
        self.context = dict(context or {})
        self.index = DeliveredIndex()
        ensure_topics(settings, [self.topic], config={"cleanup.policy": "compact"})
        self._producer = KafkaProducer(**client_config(settings.kafka), acks="all", enable_idempotence=True, retries=10)
        self._reader = KafkaConsumer(**client_config(settings.kafka), enable_auto_commit=False)
        deadline = time.monotonic() + timeout_s
        while not (partitions := self._reader.partitions_for_topic(self.topic)):  # a new topic's metadata lags
            if time.monotonic() > deadline:
                self.close()
                raise DeliveredLogUnavailable(f"topic {self.topic} has no partitions after {timeout_s:g} s")
            time.sleep(0.2)
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._reader.assign(self._partitions)
        self._reader.seek_to_beginning(*self._partitions)

    def catch_up(self) -> int:
        """Read every record up to the end offsets of now into the index; returns the records read.

        Raises:
            DeliveredLogUnavailable: the end was not reached within ``timeout_s``.
        """
        from kafka.errors import KafkaError

        deadline = time.monotonic() + self.timeout_s
        read = 0
        try:
            end = self._reader.end_offsets(self._partitions, timeout_ms=int(self.timeout_s * 1000))
            while self._behind(end):
                if time.monotonic() > deadline:
                    raise DeliveredLogUnavailable(f"could not read {self.topic} to its end within {self.timeout_s:g} s")
                for records in self._reader.poll(timeout_ms=500).values():
                    for record in records:
                        delivery = Delivery.decode(record.value)
                        if delivery is not None:
                            self.index.add(delivery)
                        read += 1
        except KafkaError as exc:
            raise DeliveredLogUnavailable(f"could not read {self.topic}: {exc}") from exc
        return read

    def check(self, sink: str, alert_id: str, revision: int) -> Verdict:
        return self.index.check(sink, alert_id, revision)

    def record_many(self, deliveries: list[Delivery]) -> int:
        """Write the deliveries not known yet and wait for every acknowledgement; only then index them."""
        from kafka.errors import KafkaError

        fresh = list({d.key(): d for d in deliveries if not self.index.has(d)}.values())
        futures = [self._producer.send(self.topic, key=d.key(), value=d.encode(**self.context)) for d in fresh]
        try:
            for future in futures:
                future.get(timeout=self.timeout_s)
        except KafkaError as exc:
            raise DeliveredLogUnavailable(f"could not record deliveries on {self.topic}: {exc}") from exc
        for delivery in fresh:
            self.index.add(delivery)
        return len(fresh)

    def _behind(self, end: dict[Any, int]) -> bool:
        for tp in self._partitions:
            position = self._reader.position(tp, timeout_ms=1000)  # None while the broker has not answered
            if position is None or position < end[tp]:
                return True
        return False

    def close(self) -> None:
        self._producer.close(timeout=10)
        self._reader.close()
