"""Folder-based model registry: one immutable folder per version, written atomically, verified on load.

Why this shape: a version is everything needed to reproduce and serve a model (safetensors
weights, tokenizer, config, label map, metrics, training-data hash, parent) in one folder. It
is built in a temp folder and renamed into place with ``os.replace``, so a crashed or failed
run never leaves a half-written version; ``MANIFEST.json`` (sha256 + size of every file) is
written last and checked at load, so a truncated or edited version is refused, not served.

Layout::

    <root>/<name>/versions/<version_id>/{MANIFEST.json, version.json, config.json,
                                         labels.json, metrics.json, ...model files}
    <root>/<name>/.staging/   temp folders of runs in progress (safe to delete)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lam_models.files import sha256_file, staged_folder

MANIFEST = "MANIFEST.json"
VERSION_FILE = "version.json"
DEFAULT_NAME = "sentiment"
FORBIDDEN_SUFFIXES = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".joblib")


class RegistryError(RuntimeError):
    """A version is missing, incomplete or corrupt, or a registry operation is not allowed."""


@dataclass(frozen=True)
class VersionInfo:
    """Summary of one stored version (from its ``version.json`` and ``metrics.json``)."""

    version_id: str
    path: Path
    created_at: str
    parent: str | None
    data_hash: str
    summary: dict[str, Any]


def versions_dir(root: Path, name: str = DEFAULT_NAME) -> Path:
    return Path(root) / name / "versions"


def new_version_id(name: str = DEFAULT_NAME) -> str:
    """Sortable unique id: ``<name>-<UTC timestamp>-<6 hex>``."""
    return f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


def write_version(
    root: Path,
    write_files: Callable[[Path], None],
    *,
    config: dict[str, Any],
    labels: list[str] | None = None,
    metrics: dict[str, Any],
    data_hash: str,
    parent: str | None = None,
    extra: dict[str, Any] | None = None,
    name: str = DEFAULT_NAME,
    version_id: str | None = None,
) -> str:
    """Create a new version atomically and return its id.

    Args:
        write_files: writes the model files (weights, tokenizer...) into the folder it is given.
        config, labels, metrics: saved as ``config.json``, ``labels.json`` (classifiers only), ``metrics.json``.
        data_hash: sha256 of the training data; parent: the version training started from.
        extra: more fields for ``version.json`` (base model, teacher, train time...).

    Raises:
        RegistryError: the parent is unknown, a pickle-format file was written, or the id exists.
    """
    version_id = version_id or new_version_id(name)
    final = versions_dir(root, name) / version_id
    if final.exists():
        raise RegistryError(f"version {version_id} already exists in {final.parent}")
    if parent is not None and not (versions_dir(root, name) / parent).is_dir():
        raise RegistryError(f"parent version {parent!r} is not in the registry at {root}")
    with staged_folder(final, Path(root) / name / ".staging" / f"{version_id}.{os.getpid()}") as staging:
        write_files(staging)
        _write_json(staging / "config.json", config)
        if labels is not None:
            _write_json(staging / "labels.json", {"labels": list(labels), "label_to_id": {n: i for i, n in enumerate(labels)}})
        _write_json(staging / "metrics.json", metrics)
        _write_json(staging / VERSION_FILE, {
            "version_id": version_id, "name": name, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "parent": parent, "data_hash": data_hash, **(extra or {})})
        _write_manifest(staging)
    return version_id


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str))


def _write_manifest(folder: Path) -> None:
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if path.suffix.lower() in FORBIDDEN_SUFFIXES:
            raise RegistryError(f"{rel}: pickle-format files are not allowed in a version; save safetensors/JSON")
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest = folder / MANIFEST
    _write_json(manifest, {"files": files})
    with open(manifest, "rb") as handle:
        os.fsync(handle.fileno())


def open_version(root: Path, version_id: str, name: str = DEFAULT_NAME, verify: bool = True) -> Path:
    """The folder of ``version_id`` after checking every file against the manifest.

    Raises:
        RegistryError: the version does not exist, has no manifest (incomplete), or a file is
            missing, has the wrong size or the wrong sha256 (corrupt).
    """
    folder = versions_dir(root, name) / version_id
    if not folder.is_dir():
        known = [v.version_id for v in list_versions(root, name)]
        raise RegistryError(f"version {version_id!r} not found in {folder.parent}; known: {known[-5:]}")
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise RegistryError(f"version {version_id} is incomplete: {MANIFEST} is missing in {folder}; "
                            "it was not written by the registry or was damaged - retrain or delete it")
    try:
        files = json.loads(manifest_path.read_text())["files"]
    except (ValueError, KeyError) as exc:
        raise RegistryError(f"version {version_id}: {MANIFEST} is unreadable ({exc})") from exc
    if verify:
        for rel, entry in files.items():
            path = folder / rel
            if not path.is_file():
                raise RegistryError(f"version {version_id} is incomplete: {rel} is missing")
            if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
                raise RegistryError(f"version {version_id} is corrupt: {rel} does not match its sha256 in {MANIFEST}")
    return folder


def read_json(root: Path, version_id: str, filename: str, name: str = DEFAULT_NAME) -> Any:
    """One JSON file of a version, without verifying the weights (for listing and showing)."""
    path = versions_dir(root, name) / version_id / filename
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RegistryError(f"version {version_id}: cannot read {filename} ({exc})") from exc


def sentiment_summary(meta: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """The figures ``lam model list`` shows for a sentiment version."""
    test = metrics.get("test", {})
    return {"accuracy": test.get("accuracy"), "macro_f1": test.get("macro_f1"),
            "method": meta.get("method"), "dataset": meta.get("dataset")}


def list_versions(root: Path, name: str = DEFAULT_NAME,
                  summarise: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = sentiment_summary) -> list[VersionInfo]:
    """All complete-looking versions, oldest first (a folder without a manifest is skipped).

    Args:
        summarise: ``(version.json, metrics.json) -> summary`` of the model kind.
    """
    folder = versions_dir(root, name)
    if not folder.is_dir():
        return []
    out: list[VersionInfo] = []
    for path in sorted(folder.iterdir()):
        if not (path / MANIFEST).is_file():
            continue
        try:
            meta = json.loads((path / VERSION_FILE).read_text())
            metrics = json.loads((path / "metrics.json").read_text())
        except (OSError, ValueError):
            continue
        out.append(VersionInfo(path.name, path, meta.get("created_at", ""), meta.get("parent"),
                               meta.get("data_hash", ""), summarise(meta, metrics)))
    return sorted(out, key=lambda v: (v.created_at, v.version_id))


def show(root: Path, version_id: str, name: str = DEFAULT_NAME) -> dict[str, Any]:
    """Everything about a version: ``version.json``, config, labels, metrics, and whether it verifies."""
    folder = open_version(root, version_id, name, verify=False)
    info = {
        "version": read_json(root, version_id, VERSION_FILE, name),
        "config": read_json(root, version_id, "config.json", name),
        "labels": read_json(root, version_id, "labels.json", name)["labels"] if (folder / "labels.json").is_file() else None,
        "metrics": read_json(root, version_id, "metrics.json", name),
    }
    try:
        open_version(root, version_id, name, verify=True)
        info["verified"] = True
    except RegistryError as exc:
        info["verified"] = False
        info["problem"] = str(exc)
    return info


def delete_staging(root: Path, name: str = DEFAULT_NAME) -> int:
    """Remove leftover temp folders of killed runs; returns how many were removed."""
    staging = Path(root) / name / ".staging"
    if not staging.is_dir():
        return 0
    leftovers = list(staging.iterdir())
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    return len(leftovers)
