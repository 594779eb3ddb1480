"""Alert delivery: publish alerts to Kafka, consume them into idempotent sinks, effectively once across pods.

Kafka is imported only when a producer or consumer is built, and prometheus_client only when metrics
are served, so the pure parts (sinks, delivered index, handler) load without them.
"""

from lam_models.alerting.config import AlertingConfig
from lam_models.alerting.deadletter import DeadLetterFile
from lam_models.alerting.delivered import DeliveredIndex, Delivery
from lam_models.alerting.handler import AlertHandler, Counts, parse_alert
from lam_models.alerting.sinks import (
    DeliveryError,
    JsonlSink,
    RetryPolicy,
    StdoutSink,
    WebhookSink,
    deliver_with_retry,
)

__all__ = [
    "AlertHandler", "AlertingConfig", "Counts", "DeadLetterFile", "DeliveredIndex", "Delivery", "DeliveryError",
    "JsonlSink", "RetryPolicy", "StdoutSink", "WebhookSink", "deliver_with_retry", "parse_alert",
]
