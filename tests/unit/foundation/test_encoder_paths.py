"""The direct encoder agrees with sentence-transformers; CPU fallback and the int8 path behave."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lam_models.scoring.encoder import PACKAGED_MODEL, Encoder, pick_device, resolve_model_path

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


def test_int8_path_stays_close_to_fp32_and_quantises_every_linear_layer(model_path) -> None:
    fp32 = Encoder(model_path, device="cpu").encode(TEXTS).embeddings
    int8 = Encoder(model_path, device="cpu", quantize="int8")
    assert not any(type(m) is torch.nn.Linear for m in int8.model.modules())
    cosine = (int8.encode(TEXTS).embeddings * fp32).sum(1)
    assert cosine.mean() > 0.95 and cosine.min() > 0.9
