"""The only code under ``lam_models`` (the CLI aside) that touches Spark, Kafka, processes or lake files."""
