"""One synthetic lake + registry per test module (written with pandas; see ``fixtures.py``)."""

from __future__ import annotations

import pytest

from lam_models.report import collect
from tests.unit.report.fixtures import FakeLake, build_lake


@pytest.fixture(scope="module")
def fake_lake(tmp_path_factory) -> FakeLake:
    return build_lake(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report_data(fake_lake):
    return collect(fake_lake.lake_root, fake_lake.registry_root)
