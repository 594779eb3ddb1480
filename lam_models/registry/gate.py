"""The gate a version passes to become production: one policy interface for every model kind.

Each kind supplies a policy: which figures of a version's ``metrics.json`` it reads, and how it
compares a candidate's figures with production's. ``ToleranceGate`` is the common policy ("not
worse than production beyond a tolerance, and above a floor"); the continual sentiment round
supplies its own (new-task gain and backward transfer). ``promote_if_passing`` is the one path
an automated step uses to promote.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from lam_models.registry.pointers import production_version, promote
from lam_models.registry.store import DEFAULT_NAME, read_json

Verdict = Literal["promote", "reject"]


@dataclass(frozen=True)
class GateDecision:
    """A gate's verdict and the reason, which names every number the decision used."""

    verdict: Verdict
    reason: str

    @property
    def passed(self) -> bool:
        return self.verdict == "promote"


class GatePolicy(Protocol):
    """A model kind's gate: the figures it reads from a version, and its decision on them."""

    def metrics(self, recorded: Mapping[str, Any]) -> dict[str, float]:
        """The gate's figures from a version's ``metrics.json`` (missing ones left out)."""
        ...

    def decide(self, candidate: Mapping[str, float], production: Mapping[str, float] | None) -> GateDecision:
        """Whether the candidate may replace production (``production`` None: there is none yet)."""
        ...


@dataclass(frozen=True)
class Rule:
    """One gate metric.

    Attributes:
        metric: key in the gate metrics.
        higher_is_better: direction of the metric.
        tolerance: how much worse than production the candidate may be (metric units); None = no comparison.
        floor: absolute bound the candidate must meet (a minimum, or a maximum when lower is better).
    """

    metric: str
    higher_is_better: bool = True
    tolerance: float | None = None
    floor: float | None = None

    def check(self, candidate: Mapping[str, float], production: Mapping[str, float] | None) -> tuple[str, str | None]:
        """``(description, problem or None)`` of this rule on the two metric sets."""
        value = _finite(candidate.get(self.metric))
        if value is None:
            return f"{self.metric} missing", f"the candidate has no {self.metric}"
        sign = 1.0 if self.higher_is_better else -1.0
        parts, problem = [f"{self.metric} {value:.4f}"], None
        if self.floor is not None:
            parts.append(f"{'floor' if self.higher_is_better else 'ceiling'} {self.floor:.4f}")
            if sign * (value - self.floor) < -1e-12:
                problem = f"{self.metric} beyond its {'floor' if self.higher_is_better else 'ceiling'}"
        reference = _finite((production or {}).get(self.metric))
        if self.tolerance is not None and reference is not None:
            change = sign * (value - reference)
            parts.append(f"production {reference:.4f} ({change:+.4f} better, need >= {-self.tolerance:+.4f})")
            if change < -self.tolerance - 1e-12:
                problem = problem or f"{self.metric} worse than production"
        elif self.tolerance is not None:
            parts.append("no production figure to compare")
        return " ".join(parts), problem


@dataclass(frozen=True)
class ToleranceGate:
    """Promote when every rule holds: not worse than production beyond its tolerance, within its floor."""

    rules: tuple[Rule, ...]

    def metrics(self, recorded: Mapping[str, Any]) -> dict[str, float]:
        return {rule.metric: float(recorded[rule.metric]) for rule in self.rules if recorded.get(rule.metric) is not None}

    def decide(self, candidate: Mapping[str, float], production: Mapping[str, float] | None) -> GateDecision:
        checks = [rule.check(candidate, production) for rule in self.rules]
        problems = [p for _, p in checks if p]
        details = "; ".join(text for text, _ in checks)
        if problems:
            return GateDecision("reject", f"reject: {' and '.join(problems)}: {details}")
        return GateDecision("promote", f"promote: {details}")


def promote_if_passing(root: Path, version_id: str, policy: GatePolicy, name: str = DEFAULT_NAME,
                       reason: str = "") -> GateDecision:
    """Gate ``version_id`` against production's recorded metrics and promote it only when it passes.

    Returns:
        The decision; production is unchanged when it is ``reject`` (or when the candidate already is production).
    """
    current = production_version(root, name)
    candidate = policy.metrics(read_json(root, version_id, "metrics.json", name))
    production = None
    if current is not None and current != version_id:
        production = policy.metrics(read_json(root, current, "metrics.json", name))
    decision = policy.decide(candidate, production)
    if decision.passed:
        promote(root, version_id, reason=f"{reason}: {decision.reason}" if reason else decision.reason, name=name)
    return decision


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
