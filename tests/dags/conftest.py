"""Fixtures shared by the DAG test modules: the session's Airflow home and the tiny sentiment version."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA_DIR
from tests.dags import migrate

TINY_TRAIN = dict(dataset="allagree", num_layers=1, batch_size=16, epochs=2, max_steps=200, learning_rate=3e-4,
                  progress=False, max_seq_length=32, num_threads=1)  # ~30 s: tells a profit warning from a conference


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """One AIRFLOW_HOME with a migrated SQLite DB for every DAG run of the test session."""
    return migrate(tmp_path_factory.mktemp("airflow"))


@pytest.fixture(scope="session")
def tiny_version(tmp_path_factory) -> tuple[Path, str]:
    """A registry holding one tiny sentiment version (not promoted), and its id."""
    from lam_models.sentiment import api
    from lam_models.sentiment.config import TrainConfig
    from lam_models.settings import Settings

    folder = tmp_path_factory.mktemp("tiny-model")
    trained = Settings(home=folder / "home", registry_root=folder / "registry", data_dir=DATA_DIR)
    return trained.registry_root, api.train_sentiment(TrainConfig(**TINY_TRAIN), trained)
