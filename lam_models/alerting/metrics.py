"""Prometheus metrics of one alert consumer, served on ``http://<addr>:<port>/metrics``.

The numbers are the consumer's own (its ``Counts`` and per-partition ``lag``), read when Prometheus
scrapes, so there is one bookkeeping and no second copy to keep in step. Each consumer has its own
registry: several may run in one process (the tests do), and the process-wide default registry would
refuse the second. prometheus_client is imported only when metrics are switched on
(``alerting.metrics_port`` > 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from lam_models.alerting.handler import OUTCOMES

if TYPE_CHECKING:
    from lam_models.adapters.alert_consumer import AlertConsumer

HELP = {
    "delivered": "Alert revisions delivered to the sink and recorded in the delivered topic.",
    "duplicate": "Alert revisions skipped because this or a higher revision already reached the sink (any pod).",
    "failed": "Alert revisions the sink kept refusing after all retries; they went to the dead-letter.",
    "dead_lettered": "Malformed alert records sent to the dead-letter (counted for every sink they never reached).",
}


class ConsumerCollector:
    """Reads one consumer's counts and lag at scrape time."""

    def __init__(self, consumer: AlertConsumer) -> None:
        self.consumer = consumer

    def collect(self) -> Iterator[Any]:
        by_sink = self.consumer.counts.by_sink
        for outcome in OUTCOMES:
            family = CounterMetricFamily(f"lam_alerts_{outcome}", HELP[outcome], labels=["sink"])
            for sink, counts in by_sink.items():
                family.add_metric([sink], counts[outcome])
            yield family
        yield CounterMetricFamily("lam_alerts_records", "Alert records read from the alerts topic.",
                                  value=self.consumer.counts.processed)
        lag = GaugeMetricFamily("lam_alerts_consumer_lag", "Records between the consumer's position and the end "
                                "of each partition it is assigned.", labels=["topic", "partition"])
        topic = self.consumer.settings.topics.alerts
        for partition, behind in sorted(self.consumer.lag.items()):
            lag.add_metric([topic, str(partition)], behind)
        yield lag


class MetricsServer:
    """The ``/metrics`` HTTP endpoint of one consumer, in a daemon thread until ``close``."""

    def __init__(self, consumer: AlertConsumer, port: int, addr: str = "0.0.0.0") -> None:
        self.registry = CollectorRegistry()
        self.registry.register(ConsumerCollector(consumer))
        self._server, self._thread = start_http_server(port, addr=addr, registry=self.registry)
        self.port = self._server.server_port

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
