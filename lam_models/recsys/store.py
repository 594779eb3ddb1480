"""Save / load a fitted hybrid as an immutable version folder: ``arrays.npz`` + ``meta.json``, no pickle.

The folder is written under a temporary name and moved into place with ``os.replace``, so a
reader sees either no version or a complete one. Loading uses ``allow_pickle=False`` and gives a
model whose scores are bit-identical to the saved one's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from lam_models.files import sha256_file
from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.features import ItemFeaturizer
from lam_models.recsys.hybrid import HybridRecommender, Neighbourhood

FORMAT = "lam-recsys-hybrid/1"
ARRAYS = "arrays.npz"
META = "meta.json"


def save_model(model: HybridRecommender, root: Path, version: str | None = None) -> Path:
    """Write ``model`` to ``root/<version>/`` atomically and return that folder.

    Args:
        model: a fitted hybrid.
        root: registry folder for recommender versions (created if missing).
        version: folder name; default a UTC timestamp plus a content hash.

    Raises:
        FileExistsError: the version already exists (versions are immutable: pick a new name).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    arrays = _to_arrays(model)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        np.savez(staging / ARRAYS, **arrays)
        digest = sha256_file(staging / ARRAYS)
        version = version or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + digest[:8]
        meta = {
            "format": FORMAT, "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "arrays_sha256": digest, "config": model.config.to_dict(), "meta": _jsonable(model.meta),
            "user_id_kind": model.user_ids.dtype.kind, "item_id_kind": model.item_ids.dtype.kind,
        }  # fmt: skip
        (staging / META).write_text(json.dumps(meta, indent=2, sort_keys=True))
        target = root / version
        if target.exists():
            raise FileExistsError(f"version {target} exists: versions are immutable, save under a new name")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def load_model(folder: Path) -> HybridRecommender:
    """Read a version folder written by :func:`save_model`.

    Raises:
        ValueError: the folder is not a recommender version, or its arrays do not match the hash.
    """
    folder = Path(folder)
    meta_path = folder / META
    if not meta_path.is_file():
        raise ValueError(f"{folder} has no {META}: not a recommender version folder")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{folder}: format {meta.get('format')!r}, expected {FORMAT!r}")
    if sha256_file(folder / ARRAYS) != meta["arrays_sha256"]:
        raise ValueError(f"{folder / ARRAYS} does not match its recorded sha256: the version is corrupt")
    with np.load(folder / ARRAYS, allow_pickle=False) as npz:
        a = {k: npz[k] for k in npz.files}
    neighbourhood = None
    if "neighbour_items" in a:
        neighbourhood = Neighbourhood(a["neighbour_items"], a["neighbour_weights"], a["neighbour_scales"])
    lightfm_state: dict[str, Any] = {k[len("lightfm_") :]: v for k, v in a.items() if k.startswith("lightfm_") and "item_features_" not in k}
    if "lightfm_item_features_data" in a:
        lightfm_state["item_features"] = _csr(a, "lightfm_item_features")
    return HybridRecommender(
        config=RecsysConfig.from_dict(meta["config"]),
        user_ids=a["user_ids"], item_ids=a["item_ids"],
        user_vectors=a["user_vectors"], user_biases=a["user_biases"],
        item_vectors=a["item_vectors"], item_biases=a["item_biases"],
        warm=a["warm"], seen=_csr(a, "seen"), popularity=a["popularity"], projector=a["projector"],
        featurizer=ItemFeaturizer.from_arrays(a), neighbourhood=neighbourhood,
        lightfm_state=lightfm_state, meta=meta["meta"],
    )  # fmt: skip


def _to_arrays(model: HybridRecommender) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {
        "user_ids": _plain_ids(model.user_ids), "item_ids": _plain_ids(model.item_ids),
        "user_vectors": model.user_vectors, "user_biases": model.user_biases,
        "item_vectors": model.item_vectors, "item_biases": model.item_biases,
        "warm": model.warm, "popularity": model.popularity, "projector": model.projector,
        **_csr_arrays("seen", model.seen), **model.featurizer.to_arrays(),
    }  # fmt: skip
    if model.neighbourhood is not None:
        nb = model.neighbourhood
        out.update(neighbour_items=nb.items, neighbour_weights=nb.weights, neighbour_scales=nb.scales)
    for key, value in model.lightfm_state.items():
        if sp.issparse(value):
            out.update(_csr_arrays(f"lightfm_{key}", value))
        else:
            out[f"lightfm_{key}"] = np.asarray(value)
    return out


def _plain_ids(ids: np.ndarray) -> np.ndarray:
    """Ids as int64 or unicode (object arrays would need pickle)."""
    if ids.dtype.kind in "iu":
        return ids.astype(np.int64)
    return ids.astype(str)


def _csr_arrays(prefix: str, matrix: sp.spmatrix) -> dict[str, np.ndarray]:
    m = sp.csr_matrix(matrix)
    return {f"{prefix}_data": m.data, f"{prefix}_indices": m.indices, f"{prefix}_indptr": m.indptr, f"{prefix}_shape": np.array(m.shape)}


def _csr(a: dict[str, np.ndarray], prefix: str) -> sp.csr_matrix:
    return sp.csr_matrix((a[f"{prefix}_data"], a[f"{prefix}_indices"], a[f"{prefix}_indptr"]), shape=tuple(a[f"{prefix}_shape"]))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
