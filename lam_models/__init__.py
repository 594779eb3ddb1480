"""lam-pipelines: Kafka -> Spark -> fine-tuned transformer for financial sentiment and recommendations."""

__version__ = "0.1.0"
