"""The detector contract: one key's series of windows (time, value, volume) in, one causal score in [0, 1] per step out.

Detectors are vectorised over many series at once (the monitor evaluates thousands of keys per run), so
the contract takes a series code per row. ``evaluate`` validates the input and the output; a detector
only implements ``series_figures`` (its ``score`` and whatever figures explain it). Causality (a score uses only its own and earlier rows of its series)
is every detector's promise, checked by the tests on prefixes. The two baselines NAB ships beside every
detector live here: the constant null detector and the windowed Gaussian.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import ndtr

from lam_models.monitor.config import MonitorConfig


class AnomalyDetector(ABC):
    """Scores every row of sorted series; subclasses implement ``series_figures`` only."""

    name: ClassVar[str] = "base"

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()

    @abstractmethod
    def series_figures(self, series: np.ndarray, times: np.ndarray, values: np.ndarray,
                       volumes: np.ndarray) -> dict[str, np.ndarray]:
        """``score`` (in [0, 1], one per row) and any per-row figures that explain it.

        Args:
            series: int64 codes, ascending: the rows of one series are contiguous, in arrival order
                (a score uses its own and earlier rows only).
            times: datetime64[ns] per row (gaps, repeated and out-of-order times allowed).
            values: float64 per row; NaN is a missing value (scored 0, never used as history).
            volumes: float64 per row: how many items the value is a mean of (headlines in the window);
                infinite when unknown (the value is taken as exact).
        """

    def score(self, times: object, values: object, volumes: object | None = None,
              series: object | None = None) -> np.ndarray:
        """The checked ``score`` column of ``evaluate``."""
        return self.evaluate(times, values, volumes, series)["score"].to_numpy()

    def evaluate(self, times: object, values: object, volumes: object | None = None,
                 series: object | None = None) -> pd.DataFrame:
        """``series_figures`` as a frame, its input put in shape and its scores checked.

        Raises:
            ValueError: lengths differ, series codes are not ascending, or the detector returned a
                non-finite score or one outside [0, 1].
        """
        stamps = pd.DatetimeIndex(pd.to_datetime(times, utc=True)).tz_convert(None).as_unit("ns").to_numpy()
        x = np.asarray(values, dtype=np.float64).copy()
        x[~np.isfinite(x)] = np.nan
        n = len(x)
        codes = np.zeros(n, dtype=np.int64) if series is None else np.asarray(series, dtype=np.int64)
        volume = np.full(n, np.inf) if volumes is None else np.nan_to_num(np.asarray(volumes, dtype=np.float64), nan=0.0)
        if not len(stamps) == len(codes) == len(volume) == n:
            raise ValueError(f"times, values, volumes and series differ in length ({len(stamps)}, {n}, "
                             f"{len(volume)}, {len(codes)})")
        if np.any(codes[1:] < codes[:-1]):
            raise ValueError("rows of one series must be contiguous; sort by (series, time) first")
        figures = self.series_figures(codes, stamps, x, volume)
        result = np.asarray(figures["score"], dtype=np.float64)
        bad = ~(np.isfinite(result) & (result >= 0.0) & (result <= 1.0))
        if result.shape != (n,) or bad.any():
            where = int(np.flatnonzero(bad)[0]) if result.shape == (n,) else "shape"
            raise ValueError(f"detector {self.name!r} returned a score outside [0, 1] (row {where}); "
                             "series_figures must give one finite score in [0, 1] per row")
        return pd.DataFrame({**figures, "score": result})


class NullDetector(AnomalyDetector):
    """Constant 0.5 for every row: the floor any real detector must beat (NAB's null)."""

    name: ClassVar[str] = "null"

    def series_figures(self, series, times, values, volumes) -> dict[str, np.ndarray]:
        return {"score": np.full(len(values), 0.5)}


class WindowedGaussianDetector(AnomalyDetector):
    """Gaussian tail probability of a value against the mean and sd of its series' previous rows.

    NAB's trivial baseline (there: the last 6,400 records): ``1 - P(|X - mean| >= |x - mean|)``.
    """

    name: ClassVar[str] = "windowedGaussian"
    window_rows: ClassVar[int] = 6400

    def series_figures(self, series, times, values, volumes) -> dict[str, np.ndarray]:
        past = pd.Series(values).groupby(series).shift(1).groupby(series)
        mean = past.transform(lambda s: s.rolling(self.window_rows, min_periods=2).mean()).to_numpy()
        sd = past.transform(lambda s: s.rolling(self.window_rows, min_periods=2).std()).to_numpy()
        gap = np.abs(values - mean)
        z = np.where(sd > 0, gap / np.where(sd > 0, sd, 1.0), np.where(gap > 0, np.inf, 0.0))
        return {"expected": mean, "score": np.nan_to_num(1.0 - 2.0 * ndtr(-z), nan=0.0)}
