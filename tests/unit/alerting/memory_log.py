"""A delivered log in memory: what ``DeliveredTopic`` does minus Kafka, for the tests without a broker."""

from __future__ import annotations

from lam_models.alerting.delivered import DeliveredIndex, Delivery, Verdict


class MemoryLog:
    """``DeliveredLog`` over one ``DeliveredIndex``; two handlers given one index share it like two pods share the topic."""

    def __init__(self, index: DeliveredIndex | None = None) -> None:
        self.index = index if index is not None else DeliveredIndex()
        self.catch_ups = 0

    def catch_up(self) -> int:
        self.catch_ups += 1
        return 0

    def check(self, sink: str, alert_id: str, revision: int) -> Verdict:
        return self.index.check(sink, alert_id, revision)

    def record_many(self, deliveries: list[Delivery]) -> int:
        return sum(self.index.add(d) for d in deliveries)

    def close(self) -> None:
        pass
