"""No pickle anywhere in the project's own persistence: safetensors, .npz (allow_pickle=False), JSON, Parquet.

Two checks: the source of every project module is scanned (AST, not grep) for pickle-based APIs, and
what the project writes is scanned by content (pickle opcodes, object-dtype .npy, pickled zip members).
``pickle_like_files`` is also used by the fault suite on the lakes its jobs wrote. (Spark serialises
UDF closures with cloudpickle internally; that is Spark's wire format, not the project's persistence.)
"""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("lam_models", "jobs", "bench", "dags", "scripts")
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal", "copyreg"}
PICKLE_CALLS = {("torch", "save"), ("torch", "load"), ("pd", "read_pickle"), ("pandas", "read_pickle")}
PICKLE_METHODS = {"to_pickle", "read_pickle"}
PICKLE_SUFFIXES = {".pkl", ".pickle", ".pt", ".pth", ".joblib", ".bin", ".ckpt"}


def _sources() -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py") if "__pycache__" not in p.parts)


def pickle_uses(path: Path) -> list[str]:
    """Pickle-based imports and calls in one Python file, as ``file:line what``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} import {a.name}" for a in node.names if a.name.split(".")[0] in PICKLE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PICKLE_MODULES:
            found.append(f"{where} from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else None
                if (owner, func.attr) in PICKLE_CALLS or func.attr in PICKLE_METHODS:
                    found.append(f"{where} {owner or '...'}.{func.attr}()")
                for kw in node.keywords:
                    if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                        found.append(f"{where} {func.attr}(allow_pickle=...)")
                    if kw.arg == "safe_serialization" and not (isinstance(kw.value, ast.Constant) and kw.value.value is True):
                        found.append(f"{where} {func.attr}(safe_serialization=...)")
    return found


def pickle_like_files(root: Path) -> list[str]:
    """Files under ``root`` that are (or contain) pickles: by suffix, by pickle opcodes, or object-dtype arrays."""
    bad = []
    for path in (p for p in Path(root).rglob("*") if p.is_file()):
        head = path.open("rb").read(512)
        if path.suffix in PICKLE_SUFFIXES:
            bad.append(f"{path}: pickle-format suffix")
        elif head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            bad.append(f"{path}: pickle opcodes")
        elif head.startswith(b"\x93NUMPY") and b"'|O'" in head:
            bad.append(f"{path}: object-dtype .npy (needs pickle)")
        elif head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    member = archive.open(name).read(512)
                    if name.endswith((".pkl", ".pickle")) or (member[:1] == b"\x80" and member[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) \
                            or (member.startswith(b"\x93NUMPY") and b"'|O'" in member):
                        bad.append(f"{path}!{name}: pickled member")
    return bad


def test_no_pickle_based_api_in_the_project_source():
    sources = _sources()
    assert len(sources) > 30, "the scan found the project's modules"
    uses = [use for path in sources for use in pickle_uses(path)]
    assert not uses, "pickle-based persistence in the source:\n" + "\n".join(uses)


def test_the_scanner_catches_what_it_is_meant_to(tmp_path):
    import pickle  # noqa: S403 - writing a pickle on purpose, to prove the detector sees it

    sample = tmp_path / "evil.py"
    sample.write_text("import joblib\nimport numpy as np\nimport torch\nnp.load('x', allow_pickle=True)\ntorch.save({}, 'x')\n"
                      "df.to_pickle('x')\nm.save_pretrained('x', safe_serialization=False)\n")
    assert len(pickle_uses(sample)) == 5

    (tmp_path / "a.parquet").write_bytes(pickle.dumps({"x": 1}))
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "arrays.npz", ok=np.arange(3))
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "ok.parquet")
    found = pickle_like_files(tmp_path)
    assert len(found) == 2 and all("arrays.npz" not in f and "ok.parquet" not in f for f in found), found


def test_a_saved_recommender_is_npz_and_json_that_load_without_pickle(tmp_path):
    from lam_models.recsys.config import RecsysConfig
    from lam_models.recsys.store import load_model, save_model
    from lam_models.registry.store import open_version
    from lam_models.recsys.train import fit_hybrid

    rng = np.random.default_rng(0)
    items = pd.DataFrame({"item_id": np.arange(100, 112), "title": [f"Movie {i}" for i in range(12)],
                          "year": [float(1990 + i) for i in range(12)], "genres": [("Drama",)] * 12, "tags": [()] * 12,
                          "release": pd.NaT})
    emb = rng.normal(size=(12, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    events = pd.DataFrame([(u, 100 + int(j), 4.0, 1_000_000 + 10 * u + k) for u in range(1, 9)
                           for k, j in enumerate(rng.choice(12, size=5, replace=False))],
                          columns=["user_id", "item_id", "rating", "timestamp"])
    config = RecsysConfig(no_components=4, max_epochs=4, eval_every=2, patience=1, year_bins=2, recency_bins=2, text_codes=2,
                          num_threads=1)
    version = save_model(tmp_path, fit_hybrid(events, items, emb, config), data_hash="0" * 64)
    folder = open_version(tmp_path, version, "recsys")

    assert not pickle_like_files(folder)
    assert {p.suffix for p in folder.rglob("*") if p.is_file()} <= {".npz", ".json"}
    with np.load(next(folder.glob("*.npz")), allow_pickle=False) as arrays:  # raises if any array needed pickle
        assert all(arrays[name].dtype != object for name in arrays.files)
    load_model(tmp_path, version)
