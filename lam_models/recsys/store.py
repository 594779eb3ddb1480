"""Recommender versions in the folder registry (name ``recsys``): arrays in ``.npz``, the rest in JSON, no pickle.

A version holds ``arrays.npz`` (vectors, biases, id arrays, the text tower's weights, sparse matrices as CSR parts, loaded
with ``allow_pickle=False``) and ``recommender.json`` (format, fit report, id kinds);
``config.json`` is the ``RecsysConfig`` and ``metrics.json`` the gate's figures. Writing goes
through ``registry.store.write_version`` (atomic, sha256 manifest), so a loaded model's scores
are bit-identical to the saved one's and a corrupt version is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from lam_models.recsys.config import RecsysConfig
from lam_models.recsys.features import ItemFeaturizer
from lam_models.recsys.hybrid import HybridRecommender, Neighbourhood
from lam_models.recsys.text_tower import TextTower
from lam_models.registry.store import RegistryError, open_version, write_version

MODEL_NAME = "recsys"
"""Registry name of recommender versions (beside ``sentiment`` and ``topics``)."""
FORMAT = "lam-recsys-hybrid/1"
ARRAYS = "arrays.npz"
DESCRIPTION = "recommender.json"


def save_model(root: Path, model: HybridRecommender, *, data_hash: str, metrics: dict[str, Any] | None = None,
               parent: str | None = None, version_id: str | None = None) -> str:
    """Write ``model`` as a new ``recsys`` version (not production) and return its id.

    Args:
        root: the registry root.
        model: a fitted hybrid.
        data_hash: sha256 of the training interactions; metrics: the gate's figures.
        parent: the production version when the model was trained; version_id: default a new sortable id.

    Raises:
        RegistryError: the version id exists (versions are immutable) or the parent is unknown.
    """

    def write_files(folder: Path) -> None:
        np.savez(folder / ARRAYS, **_to_arrays(model))
        (folder / DESCRIPTION).write_text(json.dumps({
            "format": FORMAT, "meta": _jsonable(model.meta),
            "user_id_kind": model.user_ids.dtype.kind, "item_id_kind": model.item_ids.dtype.kind}, indent=1))

    return write_version(root, write_files, config=model.config.model_dump(mode="json"), metrics=metrics or {}, data_hash=data_hash,
                         parent=parent, extra={"method": "hybrid", "users": len(model.user_ids), "items": len(model.item_ids)},
                         name=MODEL_NAME, version_id=version_id)


def load_model(root: Path, version_id: str) -> HybridRecommender:
    """A verified ``recsys`` version as a ``HybridRecommender``.

    Raises:
        RegistryError: the version is missing, incomplete, corrupt or not a recommender.
    """
    folder = open_version(root, version_id, MODEL_NAME, verify=True)
    try:
        meta = json.loads((folder / DESCRIPTION).read_text())
        # a version saved before a re-ranking term existed ranked without it: it keeps doing so
        config = RecsysConfig.model_validate({"popularity_penalty": 0.0, "coverage_bonus": 0.0, **json.loads((folder / "config.json").read_text())})
        with np.load(folder / ARRAYS, allow_pickle=False) as npz:
            a = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, KeyError) as exc:
        raise RegistryError(f"recommender {version_id} cannot be loaded: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise RegistryError(f"recommender {version_id}: format {meta.get('format')!r}, expected {FORMAT!r}")
    neighbourhood = None
    if "neighbour_items" in a:
        neighbourhood = Neighbourhood(a["neighbour_items"], a["neighbour_weights"], a["neighbour_scales"])
    lightfm_state: dict[str, Any] = {k[len("lightfm_") :]: v for k, v in a.items() if k.startswith("lightfm_") and "item_features_" not in k}
    if "lightfm_item_features_data" in a:
        lightfm_state["item_features"] = _csr(a, "lightfm_item_features")
    return HybridRecommender(
        config=config,
        user_ids=a["user_ids"], item_ids=a["item_ids"],
        user_vectors=a["user_vectors"], user_biases=a["user_biases"],
        item_vectors=a["item_vectors"], item_biases=a["item_biases"],
        warm=a["warm"], seen=_csr(a, "seen"), popularity=a["popularity"], projector=a["projector"],
        featurizer=ItemFeaturizer.from_arrays(a), neighbourhood=neighbourhood, tower=TextTower.from_arrays(a),
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
    if model.tower is not None:
        out.update(model.tower.to_arrays())
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
