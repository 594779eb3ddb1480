"""Shared fixtures: isolated settings per test, one real Kafka broker and one Spark session per run."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("LAM_DATA_DIR", REPO.parent / "shared" / "data"))


def _free_port_pair() -> int:
    """A client port whose next port (the controller's) is free too: parallel test runs never collide."""
    import random
    import socket

    for _ in range(100):
        port = random.randint(20000, 40000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for the test broker")


TEST_PORT = int(os.environ.get("LAM_TEST_KAFKA_PORT") or _free_port_pair())

logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO log at interpreter exit hits closed streams
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
TIERS = ("unit", "integration", "fault", "quality", "dags", "helm")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier, the folder it lives in (``pytest -m unit`` runs only unit tests)."""
    tests = Path(__file__).resolve().parent
    for item in items:
        tier = Path(item.path).resolve().relative_to(tests).parts[0]
        if tier in TIERS:
            item.add_marker(tier)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA_DIR.is_dir():
        raise RuntimeError(f"datasets not found at {DATA_DIR}: set LAM_DATA_DIR")
    return DATA_DIR


def make_settings(tmp: Path, **overrides):
    """Settings for one test: its own lake, registry and topic names; the shared test broker."""
    from lam_models.settings import KafkaSettings, Settings, TopicSettings

    suffix = uuid.uuid4().hex[:8]
    topics = TopicSettings(**{name: f"{name}-{suffix}" for name in ("news", "interactions", "alerts", "labels", "feedback")})
    base = dict(
        lake_root=tmp / "lake", registry_root=tmp / "registry", run_root=tmp / "run", data_dir=DATA_DIR,
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{TEST_PORT}", port_base=TEST_PORT), topics=topics,
    )
    return Settings(**{**base, **overrides})


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """One real single-node KRaft broker for the whole test run, on its own port and run folder."""
    from lam_models.adapters.broker import LocalBroker
    from lam_models.settings import get_settings

    run_root = tmp_path_factory.mktemp("broker")
    instance = LocalBroker(port=TEST_PORT, run_dir=run_root / f"kafka-{TEST_PORT}", jars_root=get_settings().jars_dir)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def kafka_settings(broker, settings):
    """Settings whose topics exist on the test broker."""
    from lam_models.adapters.kafka_admin import ensure_topics

    ensure_topics(settings)
    return settings


@pytest.fixture(scope="session")
def spark():
    from lam_models.adapters.spark import get_spark
    from lam_models.settings import SparkSettings

    session = get_spark(make_settings(Path("/tmp"), spark=SparkSettings(master="local[2]", shuffle_partitions=2)), "lam-tests")
    yield session
    session.stop()
