"""Production pointer: promote, rollback with history, refusal of corrupt versions, loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from lam_models.registry import (
    RegistryError,
    load_production,
    production_version,
    promote,
    read_pointer,
    rollback,
)
from lam_models.registry.store import versions_dir
from lam_models.settings import Settings


def test_promote_and_rollback_keep_history(tmp_path: Path, store_model) -> None:
    first, second = store_model(tmp_path), store_model(tmp_path)
    assert production_version(tmp_path) is None
    promote(tmp_path, first, reason="baseline")
    promote(tmp_path, second, reason="better F1")
    assert production_version(tmp_path) == second
    state = rollback(tmp_path, reason="regression")
    assert state["current"] == first == production_version(tmp_path)
    assert [e["action"] for e in read_pointer(tmp_path)["history"]] == ["promote", "promote", "rollback"]
    assert read_pointer(tmp_path)["history"][-1]["previous"] == second
    with pytest.raises(RegistryError, match="nothing to roll back to"):
        rollback(tmp_path)
    assert not list((tmp_path / "sentiment").glob(".production.json*"))  # no temp files left


def test_a_corrupt_version_cannot_be_promoted(tmp_path: Path, store_model) -> None:
    version = store_model(tmp_path)
    (versions_dir(tmp_path) / version / "metrics.json").write_text("{}")
    with pytest.raises(RegistryError, match="corrupt"):
        promote(tmp_path, version)
    assert production_version(tmp_path) is None


def test_load_production_or_pinned(tmp_path: Path, store_model) -> None:
    settings = Settings(home=tmp_path, registry_root=tmp_path)
    with pytest.raises(RegistryError, match="no production version"):
        load_production(settings)
    first, second = store_model(tmp_path), store_model(tmp_path)
    promote(tmp_path, first)
    assert load_production(settings).version_id == first
    assert load_production(settings, pinned=second).version_id == second
    pinned = Settings(home=tmp_path, registry_root=tmp_path, model={"version": second})
    assert load_production(pinned).version_id == second


def test_unreadable_pointer_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sentiment").mkdir()
    (tmp_path / "sentiment" / "production.json").write_text("{not json")
    with pytest.raises(RegistryError, match="unreadable"):
        production_version(tmp_path)
