"""The one atomic writer: readers see the old file or the new one, and a failed write leaves no trace."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from lam_models.files import replacing, write_atomic


def test_write_atomic_replaces_and_creates_parents(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "status.json"
    write_atomic(path, "old")
    write_atomic(path, b"new")
    assert path.read_text() == "new"
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "table.parquet"
    path.write_text("old")
    with pytest.raises(RuntimeError), replacing(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.parquet"]


def test_mode_applies_from_creation(tmp_path: Path) -> None:
    write_atomic(tmp_path / "secret", "s3cret", mode=0o600)
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
