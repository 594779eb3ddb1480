"""Alert delivery: publish alerts to Kafka, consume them at least once into idempotent sinks.

Kafka is imported only when a producer or consumer is built, so the pure parts (sinks, dedup store,
handler) load without it.
"""

from lam_models.alerting.config import AlertingConfig
from lam_models.alerting.dedup import DedupStore
from lam_models.alerting.handler import AlertHandler, Counts, parse_alert
from lam_models.alerting.sinks import (
    DeadLetterFile,
    DeliveryError,
    JsonlSink,
    RetryPolicy,
    StdoutSink,
    WebhookSink,
    deliver_with_retry,
)

__all__ = [
    "AlertHandler", "AlertingConfig", "Counts", "DeadLetterFile", "DedupStore", "DeliveryError", "JsonlSink",
    "RetryPolicy", "StdoutSink", "WebhookSink", "deliver_with_retry", "parse_alert",
]
