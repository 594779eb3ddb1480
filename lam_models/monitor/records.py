"""Faded records: for every row, the largest earlier value of its series, fading with age and growing at most
``growth``-fold per row once warm (so one huge value does not hide the next).

Without the cap a record has a closed form, a running maximum in log space: ``log record`` is the series'
cumulative max of ``log value + rank * rate`` less ``rank * rate``. The cap makes it depend on the path, so the
capped values are found by fixed-point passes: each pass caps every value against the records of the last one,
which settles at least the first unsettled cap of each series, and only the series that changed go round again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_PASSES = 64
"""Closed-form passes before the series still changing are finished row by row (a cap on nearly every row)."""


def faded_records(sizes: np.ndarray, series: np.ndarray, position: np.ndarray, half_lives: np.ndarray,
                  growth: np.ndarray, warm: int) -> np.ndarray:
    """Each row's record for each column of ``sizes`` (n, k): the largest earlier size of its series, times
    ``0.5 ** (age / half_life)``; past ``warm`` rows a new size raises it to at most ``growth`` times itself.

    Args:
        sizes: float (n, k), finite and >= 0; rows of a series contiguous, in order.
        series: int (n,), ascending series codes.
        position: int (n,), the row's rank within its series (0 first).
        half_lives, growth: float (k,) per column (``growth`` may be inf: no cap).
        warm: rows of a series before the cap applies.
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    series, position = np.asarray(series), np.asarray(position)
    rate = np.log(2.0) / np.asarray(half_lives, dtype=np.float64)
    growth = np.asarray(growth, dtype=np.float64)
    records = np.zeros_like(sizes)
    rows = slice(None)
    capped = sizes
    for _ in range(_PASSES):
        found = _uncapped(capped[rows], series[rows], position[rows], rate)
        records[rows] = found
        with np.errstate(invalid="ignore"):
            bound = np.where((found > 0) & (position[rows] >= warm)[:, None], np.minimum(sizes[rows], growth * found),
                             sizes[rows])
        changed = (bound != capped[rows]).any(axis=1)
        if not changed.any():
            return records
        capped = capped.copy() if capped is sizes else capped
        capped[rows] = bound
        rows = np.flatnonzero(np.isin(series, np.unique(series[rows][changed])))
    records[rows] = _by_row(sizes[rows], series[rows], position[rows], np.exp(-rate), growth, warm)
    return records


def _uncapped(values: np.ndarray, series: np.ndarray, position: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Records of ``values`` taken as they are: the faded running maximum of the earlier rows, in closed form."""
    rank = position[:, None].astype(np.float64) * rate
    with np.errstate(divide="ignore"):
        lifted = pd.DataFrame(np.log(values) + rank).groupby(series, sort=False).cummax().to_numpy()
    earlier = np.empty_like(lifted)
    earlier[1:], earlier[0] = lifted[:-1], -np.inf
    earlier[np.r_[True, series[1:] != series[:-1]]] = -np.inf
    return np.exp(earlier - rank + rate)


def _by_row(sizes, series, position, keep, growth, warm) -> np.ndarray:
    """The definition, row by row: for the few series whose cap binds on nearly every row."""
    n, k = sizes.shape
    records = np.zeros((n, k))
    fresh, seen_rows = np.r_[True, series[1:] != series[:-1]].tolist(), position.tolist()
    for column in range(k):
        fade, cap, best, out = float(keep[column]), float(growth[column]), 0.0, records[:, column]
        for i, (value, new, seen) in enumerate(zip(sizes[:, column].tolist(), fresh, seen_rows)):
            best = 0.0 if new else best
            out[i] = best
            capped = min(value, cap * best) if best > 0 and seen >= warm else value
            best = max(best * fade, capped)
    return records
