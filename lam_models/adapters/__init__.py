"""The only core code that touches Spark, Kafka, processes or lake files."""
