"""Alert delivery: idempotent sinks, the delivered index and the handler that feeds them, effectively once.

Pure: the Kafka side (the consumer-group member, the publisher, the dead-letter and delivered topics,
feedback I/O) is in ``lam_models.adapters``; prometheus_client is imported only when metrics are served.
"""

from lam_models.lazy_exports import lazy_exports

_EXPORTS = {
    "AlertingConfig": "config",
    "DeadLetterFile": "deadletter",
    "DeliveredIndex": "delivered",
    "Delivery": "delivered",
    "AlertHandler": "handler",
    "Counts": "handler",
    "parse_alert": "handler",
    "DeliveryError": "sinks",
    "JsonlSink": "sinks",
    "RetryPolicy": "sinks",
    "StdoutSink": "sinks",
    "WebhookSink": "sinks",
    "deliver_with_retry": "sinks",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
