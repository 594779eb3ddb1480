"""Run a detector over a Numenta Anomaly Benchmark corpus folder and write NAB's results layout.

Input: ``DATA_DIR/<category>/<file>.csv`` with ``timestamp,value``. Output:
``OUT_DIR/<detector>/<category>/<detector>_<file>.csv`` with ``timestamp,value,anomaly_score,label``,
ready for NAB's own optimiser and scorer. Labels come from ``DATA_DIR/../labels/combined_windows.json``
when it exists (a record inside any of its file's windows, ends included, is 1); otherwise 0.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lam_models.monitor.config import MonitorConfig
from lam_models.monitor.engine import make_detector, episode_onsets
from lam_models.monitor.nab.config import NabConfig
from lam_models.monitor.nab.corpus import data_files, label_series, load_label_windows, read_nab_series

RESULT_COLUMNS = ("timestamp", "value", "anomaly_score", "label")


def result_path(out_dir: Path, detector_name: str, relative: Path) -> Path:
    """Where NAB expects the results of ``relative`` (a data file path relative to DATA_DIR)."""
    return Path(out_dir) / detector_name / relative.parent / f"{detector_name}_{relative.name}"


def score_series(series: pd.DataFrame, nab: NabConfig, config: MonitorConfig) -> np.ndarray:
    """Anomaly scores of one NAB series (``time``, ``value``, optional ``volume``): the detector's, kept at
    episode onsets only."""
    detector = make_detector(nab.detector, config, two_sided=nab.two_sided)
    scores = detector.score(series["time"], series["value"].to_numpy(), series.get("volume"))
    return episode_onsets(scores, None, nab.episode_half_life) if nab.episode_half_life else scores


def run_nab(data_dir: str | Path, out_dir: str | Path, nab: NabConfig | None = None,
            config: MonitorConfig | None = None) -> dict[str, Any]:
    """Score every ``*.csv`` under ``data_dir`` with a fresh detector each and write NAB results.

    Args:
        data_dir: NAB ``data`` folder (categories as sub-folders); any folder of such CSVs works.
        out_dir: NAB ``results`` folder; files are (over)written under ``out_dir/<detector>``.
        nab: the adapter's constants (which detector, one- or two-sided); defaults to ``NabConfig()``.
        config: the monitor's detector constants; defaults to ``MonitorConfig()``.

    Returns:
        Summary: detector, folders, files, records, labelled files, anomalous records, categories,
        seconds, the written paths (relative to ``out_dir``) and both configs.

    Raises:
        FileNotFoundError: ``data_dir`` is not a folder or holds no CSV.
        ValueError: unknown detector, or a malformed data file.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    nab, config = nab or NabConfig(), config or MonitorConfig()
    make_detector(nab.detector, config)
    files = data_files(data_dir, exclude=out_dir / nab.detector)
    windows = load_label_windows(data_dir)
    started = time.perf_counter()
    written: list[str] = []
    categories: dict[str, int] = {}
    records = anomalous = labelled = 0
    for path in files:
        relative = path.relative_to(data_dir)
        series = read_nab_series(path)
        scores = score_series(series, nab, config)
        file_windows = windows.get(relative.as_posix())
        label = label_series(series["time"], file_windows or [])
        target = result_path(out_dir, nab.detector, relative)
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
        "detector": nab.detector,
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
        "nab": nab.model_dump(mode="json"),
        "config": config.model_dump(mode="json"),
    }
