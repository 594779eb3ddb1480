"""Faded records: for every row, the largest earlier value of its series, fading with age and growing at most
``growth``-fold per row once warm (so one huge value does not hide the next).

A record depends on the path, so it is a loop; two loops give the same numbers: over the rank within the
series, vectorised across series and columns (cheap while many series are that long, as the monitor's
thousands of keys are at first), and over rows (cheap for the few long series left, and for NAB's single
series). ``faded_records`` runs ranks while they pay and hands the long tails to the row loop.
"""

from __future__ import annotations

import numpy as np

_ROW_STEP_S, _RANK_STEP_S = 1.1e-6, 80e-6
"""Rough seconds per row and column of the row loop, and per rank of the rank loop."""


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
    n, k = sizes.shape
    if n == 0:
        return np.zeros((0, k))
    keep = 0.5 ** (1.0 / np.asarray(half_lives, dtype=np.float64))
    growth = np.asarray(growth, dtype=np.float64)
    sizes, series, position = np.asarray(sizes, dtype=np.float64), np.asarray(series), np.asarray(position)
    codes = np.cumsum(np.r_[True, series[1:] != series[:-1]]) - 1
    order = np.argsort(position, kind="stable")
    bounds = np.searchsorted(position[order], np.arange(int(position.max()) + 2))
    # ranks are worth a vectorised step while enough series are still that long; the rest go row by row
    worth = np.diff(bounds) * k * _ROW_STEP_S > _RANK_STEP_S
    switch = int(np.argmin(worth)) if not worth.all() else len(worth)
    best = np.zeros((int(codes[-1]) + 1, k))
    records = np.empty_like(sizes)
    _by_rank(sizes, codes, order, bounds[:switch + 1], keep, growth, warm, best, records)
    tail = position >= switch
    if tail.any():
        records[tail] = _by_row(sizes[tail], codes[tail], position[tail], keep, growth, warm, best)
    return records


def _by_row(sizes, codes, position, keep, growth, warm, start) -> np.ndarray:
    """Row by row; each series starts from its record ``start[code]`` (zeros for a fresh series)."""
    n, k = sizes.shape
    records = np.zeros((n, k))
    fresh, seen_rows, owners = np.r_[True, codes[1:] != codes[:-1]].tolist(), position.tolist(), codes.tolist()
    for column in range(k):
        fade, cap, best = float(keep[column]), float(growth[column]), 0.0
        out, first = records[:, column], start[:, column].tolist()
        for i, (value, new, seen, owner) in enumerate(zip(sizes[:, column].tolist(), fresh, seen_rows, owners)):
            if new:
                best = first[owner]
            out[i] = best
            capped = min(value, cap * best) if best > 0 and seen >= warm else value
            best = max(best * fade, capped)
    return records


def _by_rank(sizes, codes, order, bounds, keep, growth, warm, best, records) -> None:
    """Rank by rank across series, updating ``best`` (per series) and filling ``records`` in place."""
    for rank in range(len(bounds) - 1):
        rows = order[bounds[rank]:bounds[rank + 1]]
        owner = codes[rows]
        previous, values = best[owner], sizes[rows]
        records[rows] = previous
        if rank >= warm:
            with np.errstate(invalid="ignore"):
                values = np.where(previous > 0, np.minimum(values, growth * previous), values)
        best[owner] = np.maximum(previous * keep, values)
