"""Fixtures of the integration tests that need more than the shared broker and local Spark."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    """A Spark standalone master and one 1-core worker, separate JVMs on 127.0.0.1, for one test module."""
    from tests.cluster import StandaloneCluster

    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"), cores=1, memory="1g").start()
    yield cluster
    cluster.stop()
