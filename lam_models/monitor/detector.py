"""Per-record causal detector contract (NAB-shaped, score in [0, 1]) with a constant baseline.

Unlike NAB's base class, nothing here reads the whole series first: a score uses only past records.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import pandas as pd

from lam_models.monitor.baseline import EwmaMeanVar, RollingMedianMad
from lam_models.monitor.config import MonitorConfig


class AnomalyDetector(ABC):
    """A streaming detector: one ``handle_record`` per record, in time order, returning a score in [0, 1].

    Subclasses implement only ``handle_record`` (and optionally ``initialize`` for heavy state).
    ``score`` and ``run`` wrap it and reject any score outside [0, 1].
    """

    name: ClassVar[str] = "base"

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()

    def initialize(self) -> None:
        """Hook called once by ``run`` before the first record (load models, reset state)."""

    @abstractmethod
    def handle_record(self, timestamp: pd.Timestamp, value: float) -> float:
        """Anomaly score of this record given the records before it; must be in [0, 1].

        Args:
            timestamp: the record's time (records arrive in time order).
            value: the record's value.
        """

    def score(self, timestamp: pd.Timestamp, value: float) -> float:
        """``handle_record`` with its output checked.

        Raises:
            ValueError: the detector returned a non-finite score or one outside [0, 1].
        """
        result = float(self.handle_record(timestamp, value))
        if not (math.isfinite(result) and 0.0 <= result <= 1.0):
            raise ValueError(
                f"detector {self.name!r} returned anomaly score {result!r} at {timestamp}; "
                "handle_record must return a finite float in [0, 1]"
            )
        return result

    def run(self, timestamps: Iterable[pd.Timestamp], values: Iterable[float]) -> np.ndarray:
        """Score a whole series record by record (causally): float64 array, one score per record."""
        self.initialize()
        return np.fromiter((self.score(t, v) for t, v in zip(timestamps, values)), dtype=np.float64)


class NullDetector(AnomalyDetector):
    """Constant score 0.5 for every record: the floor any real detector must beat."""

    name: ClassVar[str] = "null"

    def handle_record(self, timestamp: pd.Timestamp, value: float) -> float:
        return 0.5


class MonitorDetector(AnomalyDetector):
    """The sentiment monitor's rule on a univariate series: robust z of the value against its past.

    The baseline is the median/MAD of the last ``nab_horizon`` values, or an outlier-clipped EWMA
    mean/variance (``nab_method``). The score is ``|z| / (|z| + z_threshold)`` (0.5 at the monitor's
    firing threshold), one-sided (rises only) unless ``nab_two_sided``; 0 until ``nab_min_history``
    records are seen, and 0 for a non-finite value, which is not added to the baseline.
    """

    name: ClassVar[str] = "monitor"

    def initialize(self) -> None:
        cfg = self.config
        self._baseline: RollingMedianMad | EwmaMeanVar = (
            EwmaMeanVar(cfg.nab_alpha, cfg.huber_c, cfg.nab_min_history)
            if cfg.nab_method == "ewma" else RollingMedianMad(cfg.nab_horizon)
        )

    def handle_record(self, timestamp: pd.Timestamp, value: float) -> float:
        if not hasattr(self, "_baseline"):
            self.initialize()
        value = float(value)
        if not math.isfinite(value):
            return 0.0
        result = 0.0
        if len(self._baseline) >= self.config.nab_min_history:
            center, spread = self._baseline.expected()
            z = (value - center) / spread
            z = abs(z) if self.config.nab_two_sided else max(z, 0.0)
            result = z / (z + self.config.z_threshold) if math.isfinite(z) else 1.0
        self._baseline.update(value)
        return result


DETECTORS: dict[str, type[AnomalyDetector]] = {cls.name: cls for cls in (NullDetector, MonitorDetector)}


def make_detector(name: str, config: MonitorConfig | None = None) -> AnomalyDetector:
    """A fresh detector by registry name (``null`` or ``monitor``).

    Raises:
        ValueError: unknown name; the message lists the known ones.
    """
    try:
        return DETECTORS[name](config)
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; choose one of {sorted(DETECTORS)}") from None
