"""Run a detector over a Numenta Anomaly Benchmark corpus folder and write NAB's results layout.

Input: ``DATA_DIR/<category>/<file>.csv`` with ``timestamp,value``. Output:
``OUT_DIR/<detector>/<category>/<detector>_<file>.csv`` with ``timestamp,value,anomaly_score,label``,
ready for NAB's own optimiser and scorer. Labels come from ``DATA_DIR/../labels/combined_windows.json``
when it exists (a record inside any of its file's windows, ends included, is 1); otherwise 0.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.detector import make_detector

LABELS_RELATIVE = Path("..") / "labels" / "combined_windows.json"
RESULT_COLUMNS = ("timestamp", "value", "anomaly_score", "label")


def read_nab_series(path: Path) -> pd.DataFrame:
    """One NAB data file: ``timestamp`` kept as its original text plus ``time`` parsed, and ``value``.

    Raises:
        ValueError: columns missing, or a timestamp / value that does not parse (file and row named).
    """
    frame = pd.read_csv(path, dtype={"timestamp": str}, keep_default_na=False)
    missing = [c for c in ("timestamp", "value") if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: NAB data files need columns timestamp,value; missing {missing}")
    times = pd.to_datetime(frame["timestamp"], errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = np.flatnonzero(times.isna().to_numpy() | values.isna().to_numpy())
    if len(bad):
        raise ValueError(f"{path}: row {int(bad[0]) + 2} has an unparsable timestamp or value "
                         f"({frame['timestamp'].iloc[bad[0]]!r}, {frame['value'].iloc[bad[0]]!r})")
    return pd.DataFrame({"timestamp": frame["timestamp"], "time": times, "value": values.astype(np.float64)})


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


def result_path(out_dir: Path, detector_name: str, relative: Path) -> Path:
    """Where NAB expects the results of ``relative`` (a data file path relative to DATA_DIR)."""
    return Path(out_dir) / detector_name / relative.parent / f"{detector_name}_{relative.name}"


def run_nab(data_dir: str | Path, out_dir: str | Path, detector_name: str,
            config: MonitorConfig | None = None) -> dict[str, Any]:
    """Score every ``*.csv`` under ``data_dir`` with a fresh detector each and write NAB results.

    Args:
        data_dir: NAB ``data`` folder (categories as sub-folders); any folder of such CSVs works.
        out_dir: NAB ``results`` folder; files are (over)written under ``out_dir/detector_name``.
        detector_name: registry name (``monitor``, ``null``).
        config: detector constants; defaults to ``MonitorConfig()``.

    Returns:
        Summary: detector, folders, files, records, labelled files, anomalous records, categories,
        seconds, the written paths (relative to ``out_dir``) and the config.

    Raises:
        FileNotFoundError: ``data_dir`` is not a folder or holds no CSV.
        ValueError: unknown detector, or a malformed data file.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    config = config or MonitorConfig()
    make_detector(detector_name, config)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"NAB data folder {data_dir} does not exist")
    results_root = (out_dir / detector_name).resolve()
    files = sorted(p for p in data_dir.rglob("*.csv") if p.is_file() and results_root not in p.resolve().parents)
    if not files:
        raise FileNotFoundError(f"no *.csv under {data_dir}; point DATA_DIR at NAB's data/ folder")
    windows = load_label_windows(data_dir)
    started = time.perf_counter()
    written: list[str] = []
    categories: dict[str, int] = {}
    records = anomalous = labelled = 0
    for path in files:
        relative = path.relative_to(data_dir)
        series = read_nab_series(path)
        detector = make_detector(detector_name, config)
        scores = detector.run(series["time"], series["value"].to_numpy())
        file_windows = windows.get(relative.as_posix())
        label = label_series(series["time"], file_windows or [])
        target = result_path(out_dir, detector_name, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"timestamp": series["timestamp"], "value": series["value"], "anomaly_score": scores,
                      "label": label}).to_csv(target, index=False, columns=list(RESULT_COLUMNS))
        written.append(target.relative_to(out_dir).as_posix())
        category = relative.parent.as_posix()
        categories[category] = categories.get(category, 0) + 1
        records += len(series)
        anomalous += int(label.sum())
        labelled += file_windows is not None
    return {
        "detector": detector_name,
        "data_dir": str(data_dir),
        "out_dir": str(out_dir),
        "files": len(files),
        "records": records,
        "labels_found": bool(windows),
        "labelled_files": labelled,
        "anomalous_records": anomalous,
        "categories": categories,
        "seconds": round(time.perf_counter() - started, 3),
        "written": written,
        "config": config.to_dict(),
    }
