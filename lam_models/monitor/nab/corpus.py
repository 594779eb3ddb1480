"""Reading a Numenta Anomaly Benchmark corpus: data files, label windows, published result files.

NAB's layout: ``data/<category>/<file>.csv`` (``timestamp,value``), ``labels/combined_windows.json``
(``relative/path.csv`` -> ``[[start, end], ...]``) and ``results/<detector>/<category>/<detector>_<file>.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

LABELS_RELATIVE = Path("..") / "labels" / "combined_windows.json"


def read_nab_series(path: Path) -> pd.DataFrame:
    """One NAB data file: ``timestamp`` kept as its original text plus ``time`` parsed, and ``value``; an
    optional ``volume`` column (our extension: how many items each value is a mean of, as the monitor's
    windows have) is kept too.

    Raises:
        ValueError: columns missing, or a timestamp / value / volume that does not parse (file and row named).
    """
    frame = pd.read_csv(path, dtype={"timestamp": str}, keep_default_na=False)
    missing = [c for c in ("timestamp", "value") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: NAB data files need columns timestamp,value; missing {missing}")
    times = pd.to_datetime(frame["timestamp"], errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    volumes = pd.to_numeric(frame["volume"], errors="coerce") if "volume" in frame.columns else None
    bad = np.flatnonzero(times.isna().to_numpy() | values.isna().to_numpy()
                         | (volumes.isna().to_numpy() if volumes is not None else False))
    if len(bad):
        raise ValueError(f"{path}: row {int(bad[0]) + 2} has an unparsable timestamp, value or volume "
                         f"({frame['timestamp'].iloc[bad[0]]!r}, {frame['value'].iloc[bad[0]]!r})")
    series = pd.DataFrame({"timestamp": frame["timestamp"], "time": times, "value": values.astype(np.float64)})
    return series if volumes is None else series.assign(volume=volumes.astype(np.float64))


def data_files(data_dir: Path, exclude: Path | None = None) -> list[Path]:
    """Every ``*.csv`` under ``data_dir`` (sorted), skipping anything under ``exclude``.

    Raises:
        FileNotFoundError: ``data_dir`` is not a folder or holds no CSV.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"NAB data folder {data_dir} does not exist")
    skip = exclude.resolve() if exclude is not None else None
    files = sorted(p for p in data_dir.rglob("*.csv")
                   if p.is_file() and (skip is None or skip not in p.resolve().parents))
    if not files:
        raise FileNotFoundError(f"no *.csv under {data_dir}; point DATA_DIR at NAB's data/ folder")
    return files


def load_label_windows(data_dir: Path) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """``relative/path.csv`` -> anomaly windows from NAB's ``combined_windows.json``; {} if absent."""
    path = Path(data_dir) / LABELS_RELATIVE
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text())
    return {rel: [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in windows] for rel, windows in raw.items()}


def label_series(times: pd.Series, windows: list[tuple[pd.Timestamp, pd.Timestamp]]) -> np.ndarray:
    """0/1 int64 array: 1 where a time lies inside any window (both ends inclusive)."""
    label = np.zeros(len(times), dtype=np.int64)
    for start, end in windows:
        label |= ((times >= start) & (times <= end)).to_numpy(dtype=np.int64)
    return label


def window_rows(times: pd.Series, windows: list[tuple[pd.Timestamp, pd.Timestamp]]) -> list[tuple[int, int]]:
    """Windows as inclusive (first row, last row) positions: the rows whose time lies inside each window.

    Raises:
        ValueError: a window holds no row of the series.
    """
    stamps = times.to_numpy(dtype="datetime64[ns]")
    rows = []
    for start, end in windows:
        left = int(np.searchsorted(stamps, np.datetime64(start, "ns"), side="left"))
        right = int(np.searchsorted(stamps, np.datetime64(end, "ns"), side="right")) - 1
        if right < left:
            raise ValueError(f"label window {start} .. {end} holds no row of the series")
        rows.append((left, right))
    return rows


def read_result_scores(path: Path) -> np.ndarray:
    """The ``anomaly_score`` column of a NAB results file as float64."""
    return pd.read_csv(path, usecols=["anomaly_score"])["anomaly_score"].to_numpy(dtype=np.float64)
