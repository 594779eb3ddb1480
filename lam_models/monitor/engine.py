"""The one detection engine: the detector registry, and episode onsets for callers that sweep thresholds.

``jobs/monitor.py`` (through ``alerts.evaluate_windows``) and ``lam monitor nab`` both build their detector
here and score with the same ``AnomalyDetector.score``; only what surrounds it differs (windows of
headlines with volumes, or one NAB series).
"""

from __future__ import annotations

import numpy as np

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.detector import AnomalyDetector, NullDetector, WindowedGaussianDetector
from lam_models.monitor.surprise import MonitorDetector

DETECTORS: dict[str, type[AnomalyDetector]] = {
    cls.name: cls for cls in (MonitorDetector, WindowedGaussianDetector, NullDetector)}


def make_detector(name: str, config: MonitorConfig | None = None, two_sided: bool = False) -> AnomalyDetector:
    """A detector by registry name; ``two_sided`` (NAB) scores falls as well as rises where the detector has a direction.

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; choose one of {sorted(DETECTORS)}")
    if DETECTORS[name] is MonitorDetector:
        return MonitorDetector(config, two_sided=two_sided)
    return DETECTORS[name](config)


def episode_onsets(scores: np.ndarray, series: np.ndarray | None, half_life: float) -> np.ndarray:
    """Scores kept only where they top the episode's held high, 0 elsewhere: alert once per episode when the
    threshold is not yet chosen (NAB sweeps it). The high is the last kept score, fading to half in
    ``half_life`` rows, so an episode that clearly escalates or a later one alerts again."""
    keep = 0.5 ** (1.0 / half_life)
    codes = np.zeros(len(scores), dtype=np.int64) if series is None else np.asarray(series)
    fresh = np.r_[True, codes[1:] != codes[:-1]].tolist() if len(codes) else []
    kept = np.zeros(len(scores))
    high = 0.0
    for i, (score, new_series) in enumerate(zip(np.asarray(scores, dtype=np.float64).tolist(), fresh)):
        if new_series:
            high = 0.0
        if score > high:
            kept[i] = high = score
        high *= keep
    return kept
