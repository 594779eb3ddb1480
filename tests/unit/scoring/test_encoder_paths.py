"""The direct encoder agrees with sentence-transformers; CPU fallback and the precision choice behave."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lam_models.devices import pick_device, pick_precision
from lam_models.scoring.encoder import Encoder
from lam_models.sentiment.offline_models import PACKAGED_MODEL, resolve_model_path

TEXTS = ["Apple beats estimates as iPhone sales surge", "Tesla recalls 2 million vehicles over autopilot",
         "Fed holds rates steady", "Shares of XYZ fall 12% after guidance cut, analysts downgrade to sell",
         "a", "Company reports Q3 results in line with expectations; revenue flat year over year"] * 3


@pytest.fixture(scope="module")
def model_path() -> str:
    return resolve_model_path(PACKAGED_MODEL)


def test_direct_path_matches_sentence_transformers_within_1e3_cosine(model_path) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(model_path, device="cpu").encode(TEXTS)
    ours = Encoder(model_path, device="cpu", token_budget=64).encode(TEXTS).embeddings  # many small batches
    cosine = (ours * reference).sum(1) / np.linalg.norm(reference, axis=1)
    assert cosine.min() > 1 - 1e-3
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)


def test_cpu_fallback_when_cuda_is_absent(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device("auto") == "cpu"
    with pytest.raises(RuntimeError, match="LAM_MODEL__DEVICE"):
        pick_device("cuda")


def test_auto_precision_takes_bf16_only_where_it_runs_natively(monkeypatch) -> None:
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert pick_precision("cpu") == "fp32"  # an older CPU: emulated bf16 would be slower
    assert pick_precision("cpu", "bf16") == "bf16"  # an explicit choice is kept
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert pick_precision("cuda") == "bf16"
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert pick_precision("cpu") == "bf16" and pick_precision("cpu", "fp32") == "fp32"
    with pytest.raises(ValueError, match="precision"):
        pick_precision("cpu", "int8")


def test_bf16_path_keeps_the_fp32_embeddings(model_path) -> None:
    fp32 = Encoder(model_path, device="cpu", precision="fp32")
    bf16 = Encoder(model_path, device="cpu", precision="bf16")
    assert next(fp32.model.parameters()).dtype == torch.float32 and next(bf16.model.parameters()).dtype == torch.bfloat16
    cosine = (bf16.encode(TEXTS).embeddings * fp32.encode(TEXTS).embeddings).sum(1)
    assert cosine.min() > 0.99
