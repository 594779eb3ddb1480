"""The promote/reject verdict of a continual round, from metrics and thresholds, with a reason (pure)."""

from __future__ import annotations

from typing import Literal

Verdict = Literal["promote", "reject"]


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
