"""Prometheus metrics of the consumer: outcome counters per sink and lag per partition, scraped over HTTP."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from lam_models.adapters.alert_consumer import AlertConsumer
from lam_models.adapters.producers import encode
from lam_models.alerting.config import AlertingConfig
from lam_models.alerting.deadletter import DeadLetterFile
from lam_models.alerting.handler import AlertHandler
from lam_models.alerting.metrics import MetricsServer
from lam_models.alerting.sinks import RetryPolicy, StdoutSink, WebhookSink
from tests.unit.alerting.memory_log import MemoryLog
from tests.unit.alerting.records import make_alert


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_outcomes_per_sink_and_lag_per_partition(settings, tmp_path, webhook, capsys):
    webhook.fail_keys = {make_alert(2)["key"]: 500}
    hook, out = WebhookSink(webhook.url), StdoutSink()
    handler = AlertHandler([out, hook], MemoryLog(), DeadLetterFile(tmp_path / "dead.jsonl"), RetryPolicy(0, 0, 0),
                           wait=lambda s: False)
    member = AlertConsumer(settings, "g", handler, AlertingConfig())
    server = MetricsServer(member, port=0, addr="127.0.0.1")
    try:
        assert scrape(server.port)[("lam_alerts_delivered_total", (("sink", hook.name),))] == 0, "every sink from the start"
        for value in (encode(make_alert(1)), encode(make_alert(1)), encode(make_alert(2)), b"{"):
            handler.handle(value)
        member.lag = {0: 7, 2: 0}
        got = scrape(server.port)
    finally:
        server.close()
    capsys.readouterr()
    for sink, delivered, duplicate, failed in ((out.name, 2, 1, 0), (hook.name, 1, 1, 1)):
        labels = (("sink", sink),)
        assert got[("lam_alerts_delivered_total", labels)] == delivered
        assert got[("lam_alerts_duplicate_total", labels)] == duplicate
        assert got[("lam_alerts_failed_total", labels)] == failed
        assert got[("lam_alerts_dead_lettered_total", labels)] == 1
    assert got[("lam_alerts_records_total", ())] == 4
    topic = settings.topics.alerts
    assert got[("lam_alerts_consumer_lag", (("partition", "0"), ("topic", topic)))] == 7
    assert got[("lam_alerts_consumer_lag", (("partition", "2"), ("topic", topic)))] == 0
