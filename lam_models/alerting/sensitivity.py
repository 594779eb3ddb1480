"""Pick the monitor's ``alert_threshold`` from analyst verdicts: the sensitivity that keeps alert
precision at or above a target (pure; ``lam alerts tune`` prints and records it).

A window alerts when its anomaly score >= ``alert_threshold``. Feedback can only judge alerts that
fired, so it says nothing about windows scored below the lowest judged score: it can tighten the
setting (raise ``alert_threshold`` to drop the low-scored false alarms) or confirm it, never loosen
it below the lowest judged score. Judged alerts without a score (raised before the monitor recorded
one) are ignored and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

BY_DETECTOR = ("detector",)
CANDIDATE_COLUMNS = ["threshold", "kept", "useful", "precision"]


@dataclass(frozen=True)
class Recommendation:
    """The recommended ``alert_threshold`` of one detector setting (or one of its kinds/window sizes).

    ``threshold``, ``precision`` and ``kept`` are None when no threshold qualifies; ``reason`` says why.
    """

    group: dict[str, Any]
    threshold: float | None
    precision: float | None
    kept: int | None
    judged: int
    """Judged alerts with a score: what the recommendation rests on."""
    unscored: int
    """Judged alerts without a score, ignored."""
    reason: str | None
    candidates: pd.DataFrame
    """Every distinct judged score as a threshold, lowest first: alerts kept, useful, precision."""

    @property
    def keeps_all(self) -> bool:
        """The threshold drops no judged alert: the feedback confirms the setting rather than tightening it."""
        return self.kept is not None and self.kept == self.judged


def candidates(scored: pd.DataFrame) -> pd.DataFrame:
    """Judged alerts kept, useful ones and precision if ``alert_threshold`` were raised to each distinct score.

    Args:
        scored: rows of ``latest_verdicts`` that have a score.
    """
    if scored.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    per_score = scored.assign(useful=scored["verdict"].eq("useful")).groupby("score").agg(
        alerts=("alert_id", "size"), useful=("useful", "sum"))
    above = per_score[::-1].cumsum()[::-1]  # alerts scoring at or above each threshold
    return pd.DataFrame({"threshold": per_score.index.to_numpy(), "kept": above["alerts"].to_numpy(),
                         "useful": above["useful"].to_numpy(),
                         "precision": (above["useful"] / above["alerts"]).to_numpy()})


def recommend(verdicts: pd.DataFrame, target_precision: float, min_judged: int,
              by: tuple[str, ...] = BY_DETECTOR, current: float | None = None) -> list[Recommendation]:
    """The lowest ``alert_threshold`` whose kept judged alerts reach ``target_precision``, per group.

    The lowest qualifying threshold keeps the most alerts. When it keeps every judged alert and the
    ``current`` threshold is at or below it, the recommendation is ``current`` itself: raising it to the
    lowest judged score would drop unjudged alerts the feedback has no evidence against.

    Args:
        verdicts: output of ``latest_verdicts`` (with its ``score`` column).
        target_precision: useful / kept alerts wanted, in (0, 1].
        min_judged: fewest judged alerts the threshold must keep for its precision to count.
        by: grouping columns, ``BY_DETECTOR`` or e.g. ``("detector", "kind", "window_size")``.
        current: the setting's ``alert_threshold`` when known.

    Returns:
        One recommendation per group, most judged alerts first.

    Raises:
        ValueError: a target outside (0, 1] or ``min_judged`` < 1.
    """
    if not 0 < target_precision <= 1:
        raise ValueError(f"target precision {target_precision} is not in (0, 1]")
    if min_judged < 1:
        raise ValueError(f"min_judged {min_judged} is not >= 1")
    found = [_recommend_group(dict(zip(by, key)), group, target_precision, min_judged, current)
             for key, group in verdicts.groupby(list(by), sort=True)]
    return sorted(found, key=lambda r: -(r.judged + r.unscored))


def _recommend_group(group: dict[str, Any], verdicts: pd.DataFrame, target: float, min_judged: int,
                     current: float | None) -> Recommendation:
    scored = verdicts.dropna(subset=["score"])
    table = candidates(scored)
    unscored = len(verdicts) - len(scored)

    def none(reason: str) -> Recommendation:
        return Recommendation(group, None, None, None, len(scored), unscored, reason, table)

    if len(scored) < min_judged:
        return none(f"{len(scored)} judged alert(s) with a score ({unscored} without); need at least {min_judged}")
    enough = table[table["kept"] >= min_judged]
    reaching = enough[enough["precision"] >= target]
    if reaching.empty:
        best = enough.loc[enough["precision"].idxmax()]
        return none(f"no threshold keeping >= {min_judged} judged alerts reaches precision {target:g}: best is "
                    f"{best['precision']:.4f} at {best['threshold']:g} ({int(best['kept'])} kept)")
    row = reaching.iloc[0]
    threshold = float(row["threshold"])
    if current is not None and int(row["kept"]) == len(scored) and current <= threshold:
        threshold = float(current)
    return Recommendation(group, threshold, round(float(row["precision"]), 4), int(row["kept"]), len(scored),
                          unscored, None, table)
