"""The promote/reject verdict of a continual round, from metrics and thresholds, with a reason (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lam_models.registry.gate import GateDecision, Verdict


def gate_verdict(candidate_new: float, production_new: float, bwt: float | None,
                 min_improvement_points: float = 0.0, max_bwt_drop_points: float = 1.0) -> tuple[Verdict, str]:
    """Promote only when the candidate is better on the new task AND forgot little.

    Args:
        candidate_new, production_new: accuracy (0..1) on the new task's test set.
        bwt: backward transfer (accuracy, 0..1 scale); None = no earlier task to forget.
        min_improvement_points: accuracy points (0..100 scale) the candidate must gain.
        max_bwt_drop_points: reject when ``100 * bwt < -max_bwt_drop_points``.

    Returns:
        ``(verdict, reason)``; the reason names every number the decision used.
    """
    for name, value in (("candidate_new", candidate_new), ("production_new", production_new)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be an accuracy in [0, 1], got {value}")
    gain = 100.0 * (candidate_new - production_new)
    new_part = (f"new-task accuracy {100 * candidate_new:.2f} vs production {100 * production_new:.2f} "
                f"({gain:+.2f} pts, need >= {min_improvement_points:+.2f})")
    bwt_part = "BWT n/a (no earlier task)" if bwt is None else (
        f"BWT {100 * bwt:+.2f} pts (need >= {-max_bwt_drop_points:+.2f})")
    problems = []
    if gain < min_improvement_points - 1e-9:
        problems.append("not better on the new task")
    if bwt is not None and 100.0 * bwt < -max_bwt_drop_points - 1e-9:
        problems.append("forgets earlier tasks")
    if problems:
        return "reject", f"reject: {' and '.join(problems)}: {new_part}; {bwt_part}"
    return "promote", f"promote: {new_part}; {bwt_part}"


@dataclass(frozen=True)
class ContinualGate:
    """The sentiment kind's gate policy: a continual candidate's own record against production.

    The figures come from the candidate's ``metrics.json`` (``continual``: accuracy of the
    candidate and of production on the new task, BWT), so ``production`` is not needed.
    """

    min_improvement_points: float = 0.0
    max_bwt_drop_points: float = 1.0

    def metrics(self, recorded: Mapping[str, Any]) -> dict[str, float]:
        record = recorded.get("continual") or {}
        if not record.get("candidate_accuracy") or not record.get("production_accuracy"):
            return {}
        figures = {"new_task_accuracy": float(record["candidate_accuracy"][-1]),
                   "production_new_task_accuracy": float(record["production_accuracy"][-1])}
        return figures if record.get("bwt") is None else {**figures, "bwt": float(record["bwt"])}

    def decide(self, candidate: Mapping[str, float], production: Mapping[str, float] | None) -> GateDecision:
        if "new_task_accuracy" not in candidate:
            return GateDecision("reject", "reject: not a continual candidate (no new-task accuracies in its metrics); "
                                          "promote a version trained by hand with `lam model promote`")
        verdict, reason = gate_verdict(candidate["new_task_accuracy"], candidate["production_new_task_accuracy"],
                                       candidate.get("bwt"), self.min_improvement_points, self.max_bwt_drop_points)
        return GateDecision(verdict, reason)
