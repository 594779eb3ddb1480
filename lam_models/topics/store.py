"""Topic models in the folder registry (name ``topics``): arrays in ``.npz``, the rest in JSON, no pickle.

A version holds ``centroids.npz`` (``topic_ids`` int64, ``centroids`` float32, ``sizes`` int64,
loaded with ``allow_pickle=False``) and ``topics.json`` (terms, representative headlines, next id,
embedding version, id history); ``config.json`` is the ``TopicConfig`` and ``metrics.json`` the
fit's figures. Writing goes through ``registry.store.write_version`` (atomic, sha256 manifest).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lam_models.registry.pointers import production_version, promote
from lam_models.registry.store import RegistryError, list_versions, open_version, write_version
from lam_models.topics.config import MODEL_NAME, TopicConfig
from lam_models.topics.model import TopicModel

ARRAYS = "centroids.npz"
DESCRIPTION = "topics.json"


def data_hash(ids: Sequence[str]) -> str:
    """sha256 of the fit headlines' ids (in the order the fit saw them)."""
    digest = hashlib.sha256()
    for value in ids:
        digest.update(str(value).encode("utf-8") + b"\x00")
    return digest.hexdigest()


def save_model(root: Path, model: TopicModel, *, data_hash: str, parent: str | None = None,
               metrics: dict[str, Any] | None = None, make_production: bool = False) -> str:
    """Write ``model`` as a new ``topics`` version (and promote it when asked); returns the version id."""

    def write_files(folder: Path) -> None:
        np.savez(folder / ARRAYS, topic_ids=model.topic_ids.astype(np.int64), centroids=model.centroids.astype(np.float32),
                 sizes=model.sizes.astype(np.int64))
        (folder / DESCRIPTION).write_text(json.dumps({
            "terms": model.terms, "examples": model.examples, "next_id": int(model.next_id),
            "embedding_version": model.embedding_version, "history": model.history}, indent=1))

    version = write_version(root, write_files, config=model.config.model_dump(mode="json"), labels=[str(int(i)) for i in model.topic_ids],
                            metrics={**model.stats, **(metrics or {})}, data_hash=data_hash, parent=parent,
                            extra={"method": model.config.clusterer, "topics": model.n_topics,
                                   "embedding_version": model.embedding_version}, name=MODEL_NAME)
    if make_production:
        promote(root, version, reason="topic fit", name=MODEL_NAME)
    return version


def load_model(root: Path, version_id: str) -> TopicModel:
    """A verified ``topics`` version as a ``TopicModel``.

    Raises:
        RegistryError: the version is missing, incomplete, corrupt or unreadable.
    """
    folder = open_version(root, version_id, MODEL_NAME, verify=True)
    try:
        with np.load(folder / ARRAYS, allow_pickle=False) as arrays:
            ids, centres, sizes = arrays["topic_ids"], arrays["centroids"], arrays["sizes"]
        meta = json.loads((folder / DESCRIPTION).read_text())
        config = config_from_saved(json.loads((folder / "config.json").read_text()))
        stats = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError, KeyError) as exc:
        raise RegistryError(f"topic model {version_id} cannot be loaded: {exc}") from exc
    if len(ids) != len(centres) or len(ids) != len(meta["terms"]):
        raise RegistryError(f"topic model {version_id} is inconsistent: {len(ids)} ids, {len(centres)} centroids")
    return TopicModel(ids.astype(np.int64), centres.astype(np.float32), sizes.astype(np.int64), meta["terms"],
                      meta["examples"], int(meta["next_id"]), config, meta.get("embedding_version", ""),
                      meta.get("history", []), stats)


def config_from_saved(values: dict) -> TopicConfig:
    """The config a version saved; keys an older release wrote and this one dropped are ignored."""
    return TopicConfig.model_validate({k: v for k, v in values.items() if k in TopicConfig.model_fields})


def current_version(root: Path, pinned: str | None = None) -> str | None:
    """The pinned version, else the production one, else None (no topic model yet)."""
    return pinned or production_version(root, MODEL_NAME)


def latest_version(root: Path) -> str | None:
    """The production version, else the newest one, else None: what a new fit keeps its ids from."""
    current = production_version(root, MODEL_NAME)
    if current is not None:
        return current
    versions = list_versions(root, MODEL_NAME)
    return versions[-1].version_id if versions else None
