"""``lam setup jars --spark-submit`` prints the very jars a job's session adds, as spark-submit's ``--jars`` value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lam_models.adapters.spark import session_jars
from lam_models.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def spark_submit_jars(**env: str) -> list[str]:
    """The command's output in a fresh process configured by ``env`` alone."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LAM_")}
    done = subprocess.run([sys.executable, "-m", "lam_models", "setup", "jars", "--spark-submit"], env={**base, **env},
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=True)
    (line,) = done.stdout.splitlines()
    return line.split(",")


def test_spark_submit_jars_for_a_local_lake_are_the_sessions_connector_and_delta_jars(tmp_path):
    home = Settings().home

    printed = spark_submit_jars(LAM_LAKE_ROOT=str(tmp_path / "lake"), LAM_HOME=str(home))

    assert printed == [str(p) for p in session_jars(Settings(lake_root=tmp_path / "lake", home=home))]
    names = [Path(p).name for p in printed]
    assert all(Path(p).is_file() for p in printed)
    assert any(n.startswith("delta-spark_") for n in names) and any(n.startswith("spark-sql-kafka-") for n in names)
    assert not any(n.startswith("hadoop-aws-") for n in names), "the S3A set is only for an s3a:// lake"
