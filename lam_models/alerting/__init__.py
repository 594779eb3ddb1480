"""Alert delivery: idempotent sinks, the delivered index and the handler that feeds them, effectively once.

Pure: the Kafka side (the consumer-group member, the publisher, the dead-letter and delivered topics,
feedback I/O) is in ``lam_models.adapters``; prometheus_client is imported only when metrics are served.
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
