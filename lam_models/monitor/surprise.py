"""The monitor's detector: how far a window departs from what its own past leads us to expect, measured against
the largest departure the series has shown before (faded with age), so every series calibrates itself.

1. Expected value: the median of the last ``level_windows`` values, or the median of the values one, two
   and three days (weeks) earlier at the same time, whichever has erred least lately (seasonal series).
   A value that is a mean over a known volume (the negative share of n headlines) is first pulled toward
   its series' past mean by ``prior_strength`` pseudo-items, so a window of three headlines barely moves.
2. Departures: the value from its expectation; the median of the last ``shift_recent`` values from the
   median of the ``shift_reference`` before them (level shifts); the same at the ``trend_*`` scale (slow
   trends); for two-sided use, a change in volatility.
3. Spike rate: how many recent windows departed by a sizeable share of their record (spikes coming more
   often, though none is larger than before).
4. Surprise: each departure over its faded record; ``u`` is the largest ratio and the score ``u / (1 + u)``
   (0.5: a new record). A record grows at most ``record_growth``-fold per row, so one huge anomaly does
   not hide the next; the plain departure is also judged against a short-memory record, its ratio
   discounted by ``recent_discount`` (records of the last days are beaten far more often). No
   distributional assumption: shares of a few headlines, prices and counts alike.

Rolling statistics are bottleneck's moving windows, a series at a time; the records are
``records.faded_records``.
"""

from __future__ import annotations

from typing import ClassVar

import bottleneck as bn
import numpy as np
import pandas as pd

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.detector import AnomalyDetector
from lam_models.monitor.records import faded_records

_SECOND = 1_000_000_000
_PERIODS_S = (86_400, 7 * 86_400)
_STEP_ROWS = 20
_VOLATILITY_ROWS, _VOLATILITY_REFERENCE = 30, 1000
_CHUNK_ROWS = 1 << 17
"""Rows (whole series) scored at a time: every step's temporaries stay small and their memory is reused, where one
pass over all rows would touch fresh memory at each step (page faults cost more than the arithmetic)."""


class MonitorDetector(AnomalyDetector):
    """The production rule behind the detector contract: rises only, unless ``two_sided`` (NAB)."""

    name: ClassVar[str] = "monitor"

    def __init__(self, config: MonitorConfig | None = None, two_sided: bool = False) -> None:
        super().__init__(config)
        self.two_sided = two_sided

    def series_figures(self, series, times, values, volumes) -> dict[str, np.ndarray]:
        n = len(values)
        figures = {name: np.full(n, np.nan) for name in ("expected", "move", "record", "ratio")}
        figures["history"] = np.zeros(n)
        score = np.zeros(n)
        kept = np.flatnonzero(np.isfinite(values))  # missing values score 0 and are no history
        for rows in _chunks(series[kept], _CHUNK_ROWS):
            part = kept[rows]
            for name, column in self._figures(series[part], times[part], values[part], volumes[part]).items():
                (score if name == "score" else figures[name])[part] = column
        return {**figures, "score": score}

    def _figures(self, series: np.ndarray, times: np.ndarray, x: np.ndarray, volumes: np.ndarray) -> dict[str, np.ndarray]:
        cfg = self.config
        x = _shrunk(series, x, volumes, cfg)
        expected = _expected(series, times, x, cfg)
        move = x - expected
        departures = [move, _level_change(series, x, cfg.shift_recent, cfg.shift_reference),
                      _level_change(series, x, cfg.trend_recent, cfg.trend_reference)]
        if self.two_sided:
            departures.append(_volatility_change(series, x))
        sizes = np.column_stack([np.nan_to_num(np.abs(d) if self.two_sided else np.maximum(d, 0.0), nan=0.0)
                                 for d in departures])
        position = pd.Series(x).groupby(series).cumcount().to_numpy()
        memory, growth = cfg.memory_half_life, cfg.record_growth
        # every departure against its long record, the plain one also against a short one and an uncapped one
        columns = np.column_stack([sizes, sizes[:, 0], sizes[:, 0]])
        records = faded_records(columns, series, position, [memory] * sizes.shape[1] + [cfg.recent_half_life, memory],
                                [growth] * (sizes.shape[1] + 1) + [np.inf], cfg.min_history)
        rate = _spike_rate(sizes[:, 0], records[:, -1], series, cfg)
        rate_record = faded_records(rate[:, None], series, position, [memory], [growth], cfg.min_history)[:, 0]
        ratios = _ratio(np.column_stack([sizes, rate]), np.column_stack([records[:, :-2], rate_record]), position, cfg)
        recent = _ratio(sizes[:, :1], records[:, -2:-1], position, cfg)[:, 0] / cfg.recent_discount
        u = np.maximum(ratios.max(axis=1), recent)
        return {"expected": expected, "move": move, "record": records[:, 0], "ratio": u, "history": position,
                "score": u / (1.0 + u)}


def _chunks(series: np.ndarray, rows: int) -> list[slice]:
    """Consecutive slices of whole series, each of about ``rows`` rows (one longer series is one slice)."""
    starts = np.flatnonzero(_starts(series))
    cuts = np.unique(starts[np.searchsorted(starts, np.arange(0, len(series), rows)).clip(max=len(starts) - 1)])
    bounds = [*cuts.tolist(), len(series)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _shrunk(series: np.ndarray, x: np.ndarray, volumes: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """A mean over ``volume`` items, pulled toward its series' volume-weighted past mean (itself pulled toward
    ``prior_value``) by ``prior_strength`` pseudo-items: a window of three headlines barely moves, nor does a
    new series. Values of unknown (infinite) volume stay as they are."""
    known = np.isfinite(volumes)
    if not known.any():
        return x
    weight, k0 = np.where(known, volumes, 0.0), cfg.prior_strength
    sums = pd.DataFrame({"xv": x * weight, "v": weight}).groupby(series).ewm(halflife=cfg.shift_reference).sum()
    sums = sums.reset_index(level=0, drop=True).sort_index().groupby(series).shift(1).fillna(0.0)
    prior = (sums["xv"].to_numpy() + k0 * cfg.prior_value) / (sums["v"].to_numpy() + k0)
    return np.where(known, (x * weight + k0 * prior) / (weight + k0), x)


def _level_change(series: np.ndarray, x: np.ndarray, recent: int, reference: int) -> np.ndarray:
    """Median of the last ``recent`` values minus the median of the ``reference`` values before them."""
    now = x if recent == 1 else _rolling(x, series, recent, "median")
    return now - _rolling(x, series, reference, "median", lag=recent + 1)


def _starts(series: np.ndarray) -> np.ndarray:
    """True on the first row of each series (rows of a series are contiguous)."""
    return np.r_[True, series[1:] != series[:-1]] if len(series) else np.zeros(0, dtype=bool)


def _first_rows(series: np.ndarray) -> np.ndarray:
    """Each row's index of the first row of its series."""
    return np.maximum.accumulate(np.where(_starts(series), np.arange(len(series)), 0))


def _rolling(values: np.ndarray, series: np.ndarray, window: int, how: str, lag: int = 0,
             min_periods: int = 1) -> np.ndarray:
    """A trailing window statistic (``median`` or ``mean``) per series over ``window`` rows ending ``lag`` rows
    before the current row, NaN values skipped (NaN with fewer than ``min_periods`` values), a series at a time:
    bottleneck's moving median (several times faster than pandas'), pandas' compensated rolling mean (a running
    sum of large values would leave float residue where a window has gone flat)."""
    moving = {"median": bn.move_median, "mean": _rolling_mean}[how]
    out = np.full(len(values), np.nan)
    bounds = np.r_[np.flatnonzero(_starts(series)), len(values)]
    for first, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        rows = end - first - lag
        if rows >= min_periods:
            out[first + lag:end] = moving(values[first:first + rows], window=min(window, rows), min_count=min_periods)
    return out


def _rolling_mean(values: np.ndarray, window: int, min_count: int) -> np.ndarray:
    return pd.Series(values).rolling(window, min_periods=min_count).mean().to_numpy()


def _trailing_sum(values: np.ndarray, series: np.ndarray, window: int) -> np.ndarray:
    """Sum of the last ``window`` values of each row's series (itself included), by differences of one cumsum."""
    first = _first_rows(series)
    total = np.r_[0.0, np.cumsum(values)]
    rows = np.arange(len(values))
    return total[rows + 1] - total[np.maximum(rows + 1 - window, first)]


def _expected(series: np.ndarray, times: np.ndarray, x: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """The level or a seasonal prediction, per row whichever has the smaller past EW absolute error (a series'
    first row expects itself)."""
    candidates = [_rolling(x, series, cfg.level_windows, "median", lag=1)]
    seconds = pd.Series(times.astype(np.int64) // _SECOND).groupby(series).cummax().to_numpy()  # no reaching ahead
    step = _usual_step(series, seconds)
    for period in _PERIODS_S:
        candidates.append(_seasonal(series, seconds, step, x, period, cfg.season_repeats))
    errors = []
    for prediction in candidates:
        error = _past_ewm_mean(np.abs(x - prediction), series, cfg.season_half_life)
        errors.append(np.where(np.isfinite(prediction) & np.isfinite(error), error, np.inf))
    best = np.argmin(np.vstack(errors), axis=0)
    chosen = np.vstack(candidates)[best, np.arange(len(x))]
    return np.where(np.isfinite(chosen), chosen, np.where(np.isfinite(candidates[0]), candidates[0], x))


def _past_ewm_mean(values: np.ndarray, series: np.ndarray, half_life: float) -> np.ndarray:
    """Exponentially weighted mean (by rows, NaN skipped) of each series' earlier values, NaN for its first row.

    One pass over all series: each series gets its own block of ``times`` far apart from the next, so no
    weight crosses a series boundary (it underflows to exactly 0)."""
    n = len(values)
    codes = np.cumsum(_starts(series)) - 1
    block = int(half_life * 2000) + n  # 2000 half-lives: a weight of 2^-2000 is 0 in float64
    times = (np.arange(n, dtype=np.int64) + codes * block).astype("datetime64[ns]")
    mean = pd.Series(values).ewm(halflife=pd.Timedelta(half_life, "ns"), times=times, ignore_na=True).mean().to_numpy()
    past = np.r_[np.nan, mean[:-1]]
    past[_starts(series)] = np.nan
    return past


def _usual_step(series: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Median of the last few positive time steps of each row's series (NaN before the first one)."""
    gaps = np.diff(seconds, prepend=seconds[:1]).astype(np.float64)
    gaps[(gaps <= 0) | _starts(series)] = np.nan
    return pd.Series(_rolling(gaps, series, _STEP_ROWS, "median")).groupby(series).ffill().to_numpy()


def _seasonal(series: np.ndarray, seconds: np.ndarray, step: np.ndarray, x: np.ndarray, period: int,
              repeats: int) -> np.ndarray:
    """Median of the values ``1..repeats`` periods earlier, each the series' last row at or before that time
    and within its usual step of it (gaps and irregular sampling give no match rather than a wrong one)."""
    n = len(x)
    first = _first_rows(series)
    span = int(seconds.max() - seconds.min()) + 2 * period * repeats + 1
    key = (series - series.min()).astype(np.int64) * span + (seconds - seconds.min())
    step = np.where(np.isfinite(step), step, float(period))
    rows = np.arange(n)
    earlier = np.full((repeats, n), np.nan)
    for j in range(1, repeats + 1):
        target = seconds - j * period
        source = np.searchsorted(key, key - j * period, side="right") - 1
        safe = np.clip(source, 0, n - 1)
        good = (source >= first) & (source < rows) & (np.abs(seconds[safe] - target) <= step)
        earlier[j - 1] = np.where(good, x[safe], np.nan)
    return _nan_median(earlier)


def _nan_median(columns: np.ndarray) -> np.ndarray:
    """Median of each column's finite values (NaN where none): ``np.nanmedian`` for few rows, without its cost."""
    ordered = np.sort(columns, axis=0)  # NaN sorts last
    count = np.isfinite(columns).sum(axis=0)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[None, :], axis=0)[0]
    high = np.take_along_axis(ordered, (count // 2)[None, :].clip(max=len(columns) - 1), axis=0)[0]
    return np.where(count > 0, (low + high) / 2.0, np.nan)


def _volatility_change(series: np.ndarray, x: np.ndarray) -> np.ndarray:
    """|log| of the recent mean absolute step over its usual level: noise bursts or a signal going flat."""
    steps = pd.Series(x).groupby(series).diff().abs().to_numpy()
    recent = _rolling(steps, series, _VOLATILITY_ROWS, "mean", min_periods=_VOLATILITY_ROWS)
    usual = _rolling(recent, series, _VOLATILITY_REFERENCE, "median", lag=_VOLATILITY_ROWS, min_periods=50)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(np.log((recent + 1e-9) / (usual + 1e-9)))


def _ratio(size: np.ndarray, record: np.ndarray, position: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """Size over record, (n, k) (a positive size against no record is a new record by far); 0 before ``min_history``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(record > 0, size / record, np.where(size > 0, 1e12, 0.0))
    return np.where((position >= cfg.min_history)[:, None], ratio, 0.0)


def _spike_rate(size: np.ndarray, record: np.ndarray, series: np.ndarray, cfg: MonitorConfig) -> np.ndarray:
    """1 + how many of the last ``rate_windows`` rows departed more than ``rate_share`` of their (uncapped)
    record; 0 with none. Spikes coming more often is a change even when none is larger than before."""
    large = ((record > 0) & (size > cfg.rate_share * record)).astype(np.float64)
    count = _trailing_sum(large, series, cfg.rate_windows)
    return np.where(count > 0, count + 1.0, 0.0)
