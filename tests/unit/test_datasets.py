"""Dataset files: checksums verified, Benzinga's split records repaired, clear errors."""

from __future__ import annotations

import shutil

import pytest

from lam_models.datasets import DATASETS, DatasetError, fetch, read_benzinga


def test_benzinga_split_records_are_joined(data_dir):
    rows = list(read_benzinga(fetch("benzinga", data_dir)))
    assert len(rows) == 9991 and all(r.reject_reason is None for r in rows)
    repaired = {r.id: r for r in rows if r.id in {"5714", "7021"}}
    assert repaired["5714"].ticker == "AAN" and repaired["5714"].date == "2011-07-20 06:43:00-04:00"


def test_altered_file_is_refused(tmp_path, data_dir):
    spec = DATASETS["benzinga"]
    copy = tmp_path / spec.folder
    shutil.copytree(data_dir / spec.folder, copy)
    (copy / "analyst_ratings_processed.csv").chmod(0o644)
    with open(copy / "analyst_ratings_processed.csv", "a") as handle:
        handle.write("tampered\n")
    with pytest.raises(DatasetError, match="sha256"):
        fetch("benzinga", tmp_path)


def test_missing_dataset_says_how_to_fix(tmp_path):
    with pytest.raises(DatasetError, match="LAM_DATA_DIR"):
        fetch("movielens_100k", tmp_path)
