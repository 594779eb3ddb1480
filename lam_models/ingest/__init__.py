"""Kafka ingest logic: offset-range planning and record parsing (pure; no Spark, no Kafka)."""
