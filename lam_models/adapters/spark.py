"""SparkSession for the jobs: the Kafka connector and Delta Lake jars, UTC, Arrow batches sized from settings.

``local[*]`` by default; a ``k8s://`` master (set in settings) runs the same jobs on Kubernetes,
where the image already carries the jars. An ``s3a://`` lake_root adds the S3A jars and the
``fs.s3a.*`` settings of ``lake_storage``; Delta's default log store for s3a (S3SingleDriverLogStore)
is safe with one writing application per table, which is how the jobs run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lam_models.adapters.jars import spark_connector_jars
from lam_models.lake_location import LakeUri
from lam_models.settings import Settings


def pyspark_jars_dir() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def session_jars(settings: Settings, s3: bool = False) -> list[Path]:
    """The jars a session adds to pyspark's own: Kafka connector and Delta, plus S3A for an ``s3a://`` lake (or ``s3``).
    ``spark-submit`` outside the image needs them as ``--jars`` (``lam setup jars --spark-submit``)."""
    object_store = s3 or isinstance(settings.lake_root, LakeUri)
    return spark_connector_jars(settings.jars_dir, pyspark_jars_dir(), ("s3",) if object_store else ())


def get_spark(settings: Settings, app_name: str):
    """The active session, or a new one configured for lam-pipelines jobs."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    object_store = isinstance(settings.lake_root, LakeUri)
    jars = session_jars(settings)
    builder = (
        SparkSession.builder.master(settings.spark.master)
        .appName(app_name)
        .config("spark.jars", ",".join(str(j) for j in jars))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.driver.memory", settings.spark.driver_memory)
        .config("spark.sql.shuffle.partitions", str(settings.spark.shuffle_partitions))
        # Delta rebuilds a table's state in 50 tasks by default: ~5 s for every small table a job reads
        .config("spark.databricks.delta.snapshotPartitions", str(settings.spark.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(settings.spark.arrow_batch_rows))
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.python.worker.reuse", "true")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=WARN")
    )
    for key, value in (settings.lake_storage.hadoop_options() if object_store else {}).items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


MAX_LOCAL_TASK_THREADS = 4


def task_threads(spark) -> int:
    """Torch threads for one model-scoring task. A local session gives its cores to as few Python workers as it can
    (each worker imports torch and loads the model once, and on 2 cores one worker with 2 threads scores ~1.4x faster
    than two with one); a cluster gives each task its ``spark.task.cpus``."""
    context = spark.sparkContext
    if context.master.startswith("local"):
        return max(1, min(context.defaultParallelism, MAX_LOCAL_TASK_THREADS))
    return int(spark.conf.get("spark.task.cpus", "1"))
