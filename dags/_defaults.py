"""Shared DAG wiring: default_args, tags, the continual-training asset, and how a step becomes a task.

One code path, chosen by config (``Settings.spark``): on the embedded default (``local[*]``) a step
is a TaskFlow task calling the job's entry point in-process; when ``LAM_SPARK__MASTER`` starts with
``k8s://`` (or ``spark.submit`` is true) the same step is a ``SparkSubmitOperator`` running the job
file with the step's arguments, on the Airflow connection ``spark.connection_id``.

Parse time stays cheap: the choice reads the two ``LAM_SPARK__*`` env vars (exactly what Settings
would resolve when no ``LAM_CONFIG`` YAML is set; with one, Settings itself is built). The jobs,
the full Settings and the Spark provider are imported when a task runs or spark-submit is chosen.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, task

from jobs.nightly import JOBS_DIR, Step

log = logging.getLogger(__name__)

OWNER = "lam-pipelines"
TAGS = ["lam-pipelines"]
DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
}
"""Every task inherits these; a step that needs more time overrides ``execution_timeout`` only."""

CONTINUAL_TRIGGER = Asset(name="lam_continual_trigger", uri="lam://continual/trigger", group="lam-pipelines")
"""Emitted (as an outlet) by whatever detects label drift or enough new labels; schedules ``continual_finetune``."""

TASKFLOW, SPARK_SUBMIT = "taskflow", "spark-submit"


def settings():
    """The process-wide Settings (built once from ``LAM_*`` env vars and ``LAM_CONFIG``)."""
    from lam_models.settings import get_settings

    return get_settings()


def runner(spark_settings: Any) -> str:
    """``spark-submit`` for a ``k8s://`` master or when ``spark.submit`` is set, else ``taskflow``."""
    if spark_settings.master.startswith("k8s://") or bool(getattr(spark_settings, "submit", False)):
        return SPARK_SUBMIT
    return TASKFLOW


def parse_time_runner(environ: dict[str, str] | None = None) -> str:
    """``runner(settings().spark)`` without importing Settings when only env vars configure it."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("LAM_CONFIG"):
        return runner(settings().spark)
    env = {key.upper(): value for key, value in environ.items()}
    master = env.get("LAM_SPARK__MASTER") or "local[*]"
    submit = env.get("LAM_SPARK__SUBMIT", "").strip().lower() in {"1", "true", "yes", "on", "t", "y"}
    return SPARK_SUBMIT if master.startswith("k8s://") or submit else TASKFLOW


def spark_connection_env(spark_settings: Any) -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` env var defining ``spark.connection_id`` with ``spark.master``: render it in Helm."""
    return {f"AIRFLOW_CONN_{spark_settings.connection_id.upper()}": json.dumps({"conn_type": "spark", "host": spark_settings.master})}


@task(multiple_outputs=False)
def run_step(name: str, start: str, end: str, model_version: str | None = None, backfill: bool = False) -> dict[str, Any]:
    """TaskFlow body of every step: the job's entry point, in-process, over ``[start, end)``."""
    from jobs.nightly import run_step as run

    summary = run(name, settings(), start, end, model_version or None, backfill)
    log.info("summary %s: %s", name, json.dumps(summary, default=str, sort_keys=True))
    return json.loads(json.dumps(summary, default=str))


def step_task(step: Step, start: str, end: str, model_version: str | None = None, backfill: bool = False):
    """The task running ``step`` over ``[start, end)`` (templates allowed), as config decides.

    Args:
        step: the step from ``jobs.nightly.STEPS``.
        start, end: ISO-8601 interval bounds or Jinja templates rendering to them.
        model_version: pinned model version (template allowed); empty = production.
        backfill: a backfill re-reads the interval's records by broker time; a nightly run reads what is new.
    """
    if parse_time_runner() == TASKFLOW:
        return run_step.override(task_id=step.name)(step.name, start, end, model_version, backfill)
    current = settings()
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    env = current.to_env()
    if model_version:  # a rendered empty pin keeps the deployment's own LAM_MODEL__VERSION
        env["LAM_MODEL__VERSION"] = f"{{% set pinned %}}{model_version}{{% endset %}}{{{{ pinned or {current.model.version or ''!r} }}}}"
    return SparkSubmitOperator(
        task_id=step.name,
        application=str(JOBS_DIR / step.application),
        application_args=step.args(start, end, backfill),
        conn_id=current.spark.connection_id,
        name=f"lam-{step.name.replace('_', '-')}",
        driver_memory=current.spark.driver_memory,
        conf={"spark.sql.shuffle.partitions": str(current.spark.shuffle_partitions), "spark.sql.session.timeZone": "UTC"},
        env_vars=env,
        pre_execute=_require_master(current.spark.master, current.spark.connection_id),
    )


def _require_master(expected: str, conn_id: str):
    """pre_execute check: the Spark connection must point at the master the settings name."""

    def check(context: Any) -> None:
        from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

        actual = SparkSubmitHook(conn_id=conn_id)._resolve_connection()["master"]
        if actual != expected:
            raise ValueError(
                f"Airflow connection {conn_id!r} resolves to master {actual!r} but settings say {expected!r}: "
                f"define it from the settings: {_connection_hint(expected, conn_id)}"
            )

    return check


def _connection_hint(master: str, conn_id: str) -> str:
    return f"export AIRFLOW_CONN_{conn_id.upper()}='{json.dumps({'conn_type': 'spark', 'host': master})}'"


def doc(module_doc: str | None) -> str:
    """A DAG's ``doc_md`` from its module docstring."""
    return (module_doc or "").strip()
