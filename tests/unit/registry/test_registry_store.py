"""Version folders: same logits after a round trip, atomic writes, corrupt versions refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lam_models.registry import RegistryError, list_versions, load_version, open_version, show, write_version
from lam_models.registry.store import MANIFEST, versions_dir
from lam_models.sentiment.model import predict

TEXTS = ["Operating profit rose to EUR 13.1 mn .", "Sales fell .", "The company has offices in Espoo ."]


def test_round_trip_gives_the_same_logits_and_embeddings(tmp_path: Path, tiny_model, tokenizer, store_model) -> None:
    version = store_model(tmp_path)
    loaded = load_version(tmp_path, version)
    emb_a, logits_a = predict(tiny_model, tokenizer, TEXTS)
    emb_b, logits_b = predict(loaded.model, loaded.tokenizer, TEXTS)
    torch.testing.assert_close(torch.from_numpy(logits_b), torch.from_numpy(logits_a), rtol=0, atol=0)
    torch.testing.assert_close(torch.from_numpy(emb_b), torch.from_numpy(emb_a), rtol=0, atol=0)
    assert loaded.labels == ["negative", "neutral", "positive"] and loaded.max_seq_length == 32


def test_version_holds_every_required_file_and_no_pickle(tmp_path: Path, store_model) -> None:
    version = store_model(tmp_path)
    folder = open_version(tmp_path, version)
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for required in ("model.safetensors", "encoder/config.json", "tokenizer/tokenizer.json", "config.json",
                     "labels.json", "metrics.json", "version.json", MANIFEST):
        assert required in names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    meta = json.loads((folder / "version.json").read_text())
    assert meta["data_hash"] == "abc123" and meta["parent"] is None
    manifest = json.loads((folder / MANIFEST).read_text())["files"]
    assert set(manifest) == names - {MANIFEST}


def test_corrupt_weights_are_refused(tmp_path: Path, store_model) -> None:
    version = store_model(tmp_path)
    weights = versions_dir(tmp_path) / version / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(RegistryError, match=r"corrupt: model\.safetensors does not match its sha256"):
        load_version(tmp_path, version)
    assert show(tmp_path, version)["verified"] is False


@pytest.mark.parametrize(("remove", "message"), [("tokenizer/tokenizer.json", "incomplete: tokenizer/tokenizer.json"),
                                                 (MANIFEST, "incomplete: MANIFEST.json is missing")])
def test_incomplete_versions_are_refused(tmp_path: Path, store_model, remove: str, message: str) -> None:
    version = store_model(tmp_path)
    (versions_dir(tmp_path) / version / remove).unlink()
    with pytest.raises(RegistryError, match=message):
        load_version(tmp_path, version)


def test_a_failed_write_leaves_no_version_and_no_staging(tmp_path: Path) -> None:
    def half_write(folder: Path) -> None:
        (folder / "model.safetensors").write_bytes(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_version(tmp_path, half_write, config={}, labels=["a"], metrics={}, data_hash="x")
    assert list_versions(tmp_path) == []
    assert not any((tmp_path / "sentiment" / ".staging").iterdir())
    assert not versions_dir(tmp_path).exists() or not any(versions_dir(tmp_path).iterdir())


def test_pickle_files_and_unknown_parents_are_rejected(tmp_path: Path, store_model) -> None:
    with pytest.raises(RegistryError, match="pickle"):
        write_version(tmp_path, lambda f: (f / "head.pkl").write_bytes(b"x"), config={}, labels=["a"],
                      metrics={}, data_hash="x")
    with pytest.raises(RegistryError, match="parent version 'nope'"):
        store_model(tmp_path, parent="nope")


def test_list_and_show(tmp_path: Path, store_model) -> None:
    first = store_model(tmp_path)
    second = store_model(tmp_path, parent=first)
    (versions_dir(tmp_path) / "half-written").mkdir()  # no manifest: not listed
    listed = list_versions(tmp_path)
    assert [v.version_id for v in listed] == [first, second]
    assert listed[1].parent == first and listed[1].summary["accuracy"] == 0.5
    info = show(tmp_path, second)
    assert info["verified"] and info["version"]["parent"] == first and info["labels"][0] == "negative"
    with pytest.raises(RegistryError, match="not found"):
        open_version(tmp_path, "sentiment-missing")
