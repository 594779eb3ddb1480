"""Java dependencies resolved from Maven Central by Maven (our small poms), cached outside the clone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from lam_models.files import staged_folder

POMS_DIR = Path(__file__).resolve().parents[2] / "scripts" / "maven"
JAR_SETS = ("broker", "spark", "delta")
SPARK_JAR_SETS = ("spark", "delta")
# Resolved only where needed: s3 (hadoop-aws and the AWS SDK bundle, ~690 MB) for an s3a:// lake_root.
OPTIONAL_JAR_SETS = ("s3",)
_VERSIONED = re.compile(r"^(?P<artifact>.+?)-\d+\.[^-]*(?:-[^-]*)?\.jar$")


class MissingJarsError(RuntimeError):
    """Raised with the one command that fixes it."""


def jar_dir(jars_root: Path, name: str) -> Path:
    return jars_root / name


def ensure_jars(jars_root: Path, name: str) -> list[Path]:
    """Resolve jar set ``name`` (broker|spark|delta|s3) with ``mvn dependency:copy-dependencies`` once."""
    target = jar_dir(jars_root, name)
    marker = target / ".complete"
    if not marker.exists():
        if shutil.which("mvn") is None:
            raise MissingJarsError(f"jars for {name} missing in {target} and no `mvn` on PATH: install Maven, then run `lam setup jars`")
        pom = POMS_DIR / name / "pom.xml"
        shutil.rmtree(target, ignore_errors=True)
        with staged_folder(target, target.with_name(f".{name}.partial")) as staging:
            subprocess.run(
                ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                 f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                check=True,
            )
            (staging / marker.name).touch()
    return sorted(target.glob("*.jar"))


def artifact_name(jar: str) -> str:
    """``jackson-core-2.13.5.jar`` -> ``jackson-core``: the artifact, whatever its version."""
    match = _VERSIONED.match(jar)
    return match["artifact"] if match else jar


def spark_connector_jars(jars_root: Path, pyspark_jars: Path, optional: tuple[str, ...] = ()) -> list[Path]:
    """The Kafka connector and Delta jars Spark lacks, plus the ``optional`` sets asked for (``s3``). An
    artifact pyspark already ships (scala, hadoop, jackson, parquet, ...) is never added again, not even
    in the older version Delta's pom names."""
    present = {artifact_name(p.name) for p in pyspark_jars.glob("*.jar")}
    return [p for name in (*SPARK_JAR_SETS, *optional) for p in ensure_jars(jars_root, name) if artifact_name(p.name) not in present]
