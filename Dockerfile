# syntax=docker/dockerfile:1.7
# The one lam-pipelines image: Spark (pyspark's distribution, with its Kubernetes backend) + the lam
# package and its pinned Python env + the Maven-resolved Kafka jars. It runs the Spark drivers and
# executors (spark-operator), the alert consumer and the Airflow components.
#
#   docker build --build-arg VARIANT=cpu  -t lam-pipelines:0.1.0-cpu  .
#   docker build --build-arg VARIANT=cuda -t lam-pipelines:0.1.0-cuda .
#
# cpu:  torch from the CPU wheel index (no CUDA libraries, a much smaller image).
# cuda: torch from PyPI, which brings the CUDA runtime as pip wheels (pinned in scripts/constraints.txt);
#       the NVIDIA driver comes from the GPU node (NVIDIA container toolkit / device plugin).
ARG VARIANT=cpu
ARG SPARK_VERSION=4.2.0
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17
# Add "s3" for a lake on object storage (lake_root = s3a://...): hadoop-aws + the AWS SDK bundle, ~690 MB.
ARG JAR_SETS="broker spark delta"

# Kafka broker jars, the Spark Kafka connector and Delta Lake with their runtime dependencies, as `lam setup jars` resolves them.
FROM ${MAVEN_IMAGE} AS jars
ARG JAR_SETS
COPY scripts/maven /src/scripts/maven
RUN --mount=type=cache,target=/root/.m2 \
    for set in ${JAR_SETS}; do \
      mvn -q -B -f "/src/scripts/maven/$set/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="/jars/$set" -DincludeScope=runtime && touch "/jars/$set/.complete"; \
    done

# Only for Spark's Kubernetes entrypoint (driver/executor launch), which the pyspark wheel lacks.
FROM apache/spark:${SPARK_VERSION} AS spark-dist

FROM ${PYTHON_IMAGE} AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless tini procps libnss-wrapper \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 185 spark \
 && useradd --uid 185 --gid 185 --home-dir /opt/lam/home --no-create-home --shell /usr/sbin/nologin spark

FROM base AS variant-cpu
ENV LAM_IMAGE_VARIANT=cpu

FROM base AS variant-cuda
ENV LAM_IMAGE_VARIANT=cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

FROM variant-${VARIANT}
ARG CPU_TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    SPARK_HOME=/opt/spark \
    PYSPARK_PYTHON=/opt/venv/bin/python \
    PYSPARK_DRIVER_PYTHON=/opt/venv/bin/python \
    LAM_HOME_DIR=/opt/lam/home \
    LAM_HOME=/opt/lam/home \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    PYTHONUNBUFFERED=1 \
    AIRFLOW__CORE__LOAD_EXAMPLES=False
WORKDIR /opt/lam

# The pinned Python env: torch first (CPU wheels for the cpu variant; the same version either way),
# then the package with the Airflow extra, editable so jobs/ and scripts/ stay beside it.
COPY scripts/constraints.txt scripts/constraints.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/venv \
 && pip install -U pip setuptools wheel \
 && torch="$(grep -E '^torch==' scripts/constraints.txt)" \
 && if [ "$LAM_IMAGE_VARIANT" = cpu ]; then pip install --index-url "$CPU_TORCH_INDEX_URL" "$torch"; \
    else pip install -c scripts/constraints.txt "$torch"; fi
# (the CPU index serves "torch==X+cpu", which the constraint "torch==X" accepts in the next step)
COPY pyproject.toml README.md ./
COPY lam_models lam_models
COPY jobs jobs
COPY schemas schemas
COPY dags dags
COPY scripts scripts
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -c scripts/constraints.txt -e ".[airflow]"

# Spark home = pyspark's distribution; the connector and Delta jars go on its classpath too (only the
# artifacts pyspark lacks, as the sessions pick them), and the jar sets sit where the settings look for
# them (<home>/jars/<set>, with the marker that skips Maven).
COPY --from=jars /jars /opt/lam/home/jars
RUN ln -s "$(python -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" /opt/spark \
 && python -c 'import shutil; from pathlib import Path; from lam_models.adapters.jars import spark_connector_jars; \
[shutil.copy(j, "/opt/spark/jars/") for j in spark_connector_jars(Path("/opt/lam/home/jars"), Path("/opt/spark/jars"), \
 ("s3",) if Path("/opt/lam/home/jars/s3/.complete").exists() else ())]'
COPY --from=spark-dist /opt/entrypoint.sh /opt/decom.sh /opt/

# Spark GPU discovery for executors (spark.executor.resource.gpu.discoveryScript in the chart).
COPY --chmod=0755 <<'EOF' /opt/lam/bin/gpu-discovery.sh
#!/bin/sh
# Prints the GPUs this executor sees as Spark's resource JSON: {"name": "gpu", "addresses": ["0", ...]}.
addresses="$(nvidia-smi --query-gpu=index --format=csv,noheader | awk 'NF {printf "%s\"%s\"", sep, $1; sep=","}')"
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
EOF

RUN mkdir -p /opt/lam/home/datasets /opt/lam/work /opt/airflow \
 && chown -R 185:185 /opt/lam/home /opt/lam/work /opt/airflow
WORKDIR /opt/lam/work
USER 185
ENTRYPOINT ["/opt/entrypoint.sh"]
CMD ["lam", "--help"]
