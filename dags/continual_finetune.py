"""
### continual_finetune

One continual-learning round: **fine-tune -> evaluate -> gate -> promote or reject**.

Scheduled by the asset `lam_continual_trigger` (`lam://continual/trigger`), which the producer of
the drift / new-labels condition emits as an outlet; it can also be triggered by hand.

| task | what |
|---|---|
| `fine_tune` | `lam_models.continual.loop.run_round(settings, budget)`: fine-tunes a candidate from production on new + replayed labels, evaluates it on every task and gates it; returns `{verdict, version, reason, ...}` |
| `evaluate` | verifies the candidate version in the registry (checksums) and publishes its `metrics.json` as the XCom |
| `gate` | logs `GATE VERDICT: promote|reject ...` and pushes XCom `verdict`; branches to `promote` or `reject` |
| `promote` | switches the registry's production pointer to the candidate (atomic) |
| `reject` | keeps production; logs the reason |

Param `budget`: the training budget handed to `run_round` as is (small for tests); empty = its default.

Run locally: `airflow dags test continual_finetune -c '{"budget": 8}'`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from _defaults import CONTINUAL_TRIGGER, DEFAULT_ARGS, TAGS, doc, settings

log = logging.getLogger(__name__)

VERDICTS = ("promote", "reject")


@task(execution_timeout=timedelta(hours=6))
def fine_tune(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one round; its result must carry ``verdict``, ``version`` and ``reason``."""
    import json

    from lam_models.continual.loop import run_round

    result = dict(run_round(settings(), (params or {}).get("budget")))
    missing = {"verdict", "version", "reason"} - result.keys()
    if missing:
        raise ValueError(f"run_round returned {sorted(result)}: missing {sorted(missing)}")
    if result["verdict"] not in VERDICTS:
        raise ValueError(f"run_round verdict {result['verdict']!r} is not one of {VERDICTS}")
    log.info("round: %s", json.dumps(result, default=str, sort_keys=True))
    return json.loads(json.dumps(result, default=str))


@task
def evaluate(round_result: dict[str, Any]) -> dict[str, Any]:
    """Verify the candidate in the registry and return its recorded metrics."""
    from lam_models.registry.store import open_version, read_json

    version = round_result.get("version")
    if not version:
        log.info("no candidate version was written: nothing to evaluate (%s)", round_result.get("reason"))
        return {"version": None, "metrics": {}}
    root = settings().registry_root
    open_version(root, version, verify=True)
    metrics = read_json(root, version, "metrics.json")
    log.info("candidate %s metrics: %s", version, metrics)
    return {"version": version, "metrics": metrics}


@task.branch
def gate(round_result: dict[str, Any], evaluation: dict[str, Any]) -> str:
    """Log the verdict, push it as XCom ``verdict``, and branch to ``promote`` or ``reject``."""
    verdict = round_result["verdict"]
    if verdict == "promote" and not evaluation.get("version"):
        raise ValueError("the gate says promote but the round wrote no candidate version")
    record = {"verdict": verdict, "version": round_result.get("version"), "reason": round_result.get("reason")}
    log.info("GATE VERDICT: %s version=%s reason=%s", verdict, record["version"], record["reason"])
    get_current_context()["ti"].xcom_push(key="verdict", value=record)
    return verdict


@task
def promote(round_result: dict[str, Any]) -> dict[str, Any]:
    """Make the candidate the production version (atomic pointer switch; a rerun is a no-op)."""
    from lam_models.registry.pointers import promote as promote_version

    state = promote_version(settings().registry_root, round_result["version"], reason=str(round_result.get("reason", "")))
    log.info("PROMOTED %s (production is now %s)", round_result["version"], state["current"])
    return {"verdict": "promote", "version": round_result["version"], "production": state["current"]}


@task
def reject(round_result: dict[str, Any]) -> dict[str, Any]:
    """Keep production as it is."""
    log.info("REJECTED %s: %s", round_result.get("version"), round_result.get("reason"))
    return {"verdict": "reject", "version": round_result.get("version"), "reason": round_result.get("reason")}


@dag(
    dag_id="continual_finetune",
    schedule=[CONTINUAL_TRIGGER],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "continual", "training"],
    doc_md=doc(__doc__),
    params={"budget": Param(None, type=["null", "integer", "number"], description="training budget for run_round (small for tests)")},
)
def continual_finetune() -> None:
    round_result = fine_tune()
    gate(round_result, evaluate(round_result)) >> [promote(round_result), reject(round_result)]


continual_finetune()
