"""Kafka client options from Settings, for kafka-python and for Spark's connector alike."""

from __future__ import annotations

from typing import Any

from lam_models.settings import KafkaSettings


def client_config(kafka: KafkaSettings) -> dict[str, Any]:
    """kafka-python keyword arguments (producer, consumer and admin accept the same)."""
    config: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap_servers.split(","),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism:
        config["sasl_mechanism"] = kafka.sasl_mechanism
        config["sasl_plain_username"] = kafka.sasl_username
        config["sasl_plain_password"] = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
    if kafka.ssl_cafile:
        config["ssl_cafile"] = kafka.ssl_cafile
    return config


def spark_options(kafka: KafkaSettings) -> dict[str, str]:
    """``kafka.*`` options for ``spark.read.format("kafka")``."""
    options = {
        "kafka.bootstrap.servers": kafka.bootstrap_servers,
        "kafka.security.protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism:
        module = "scram.ScramLoginModule" if kafka.sasl_mechanism.startswith("SCRAM") else "plain.PlainLoginModule"
        secret = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
        options["kafka.sasl.mechanism"] = kafka.sasl_mechanism
        options["kafka.sasl.jaas.config"] = (
            f'org.apache.kafka.common.security.{module} required username="{kafka.sasl_username}" password="{secret}";'
        )
    if kafka.ssl_cafile:
        options["kafka.ssl.truststore.type"] = "PEM"
        options["kafka.ssl.truststore.location"] = kafka.ssl_cafile
    return options
