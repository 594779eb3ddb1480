"""Drift: a shifted seeded stream triggers, an unshifted one does not; PSI by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.continual.drift import (
    DriftThresholds,
    Snapshot,
    confidence_psi,
    embedding_ks,
    label_psi,
    mmd_permutation,
    psi,
    should_trigger,
)


def stream(seed: int, n: int = 600, shift: float = 0.0, label_p=(0.2, 0.5, 0.3)) -> Snapshot:
    rng = np.random.default_rng(seed)
    labels = rng.choice(3, n, p=label_p)
    confidence = np.clip(rng.beta(8 - 4 * shift, 2, n), 0.34, 1.0)
    emb = rng.normal(0, 1, (n, 16)).astype(np.float32)
    emb[:, :4] += shift
    return Snapshot(labels, confidence, emb)


def test_psi_by_hand() -> None:
    assert psi([50, 50], [50, 50]) == pytest.approx(0.0)
    assert psi([0.5, 0.5], [0.8, 0.2]) == pytest.approx(0.3 * np.log(1.6) - 0.3 * np.log(0.4))
    with pytest.raises(ValueError, match="same length"):
        psi([1, 2], [1, 2, 3])


def test_unshifted_stream_does_not_trigger() -> None:
    fired, reasons = should_trigger(stream(0), stream(1), new_label_count=10)
    assert not fired and reasons == []


def test_shifted_stream_triggers_with_reasons() -> None:
    fired, reasons = should_trigger(stream(0), stream(1, shift=1.0, label_p=(0.6, 0.3, 0.1)), new_label_count=10)
    assert fired
    text = " ".join(reasons)
    assert "predicted-label PSI" in text and "confidence PSI" in text and "embedding KS" in text


def test_embedding_shift_alone_triggers() -> None:
    ref, rec = stream(0), stream(1)
    shifted = Snapshot(rec.labels, rec.confidence, rec.embeddings + np.r_[0.5, np.zeros(15)].astype(np.float32))
    fired, reasons = should_trigger(ref, shifted, 0)
    assert fired and len(reasons) == 1 and reasons[0].startswith("embedding KS")


def test_new_labels_alone_trigger() -> None:
    fired, reasons = should_trigger(stream(0), stream(1), 700, DriftThresholds(new_labels=500))
    assert fired and reasons == ["700 new labels >= 500"]


def test_component_statistics() -> None:
    a, b = stream(0), stream(1, shift=1.0, label_p=(0.6, 0.3, 0.1))
    assert label_psi(a.labels, a.labels) == pytest.approx(0.0)
    assert label_psi(a.labels, b.labels) > 0.2
    assert confidence_psi(a.confidence, b.confidence) > 0.2
    assert not embedding_ks(a.embeddings, stream(2).embeddings)["drift"]


def test_mmd_permutation_is_seeded_and_detects_shift() -> None:
    a, b, c = stream(0, 150), stream(1, 150), stream(2, 150, shift=1.0)
    same = mmd_permutation(a.embeddings, b.embeddings, permutations=50, seed=0)
    assert same == mmd_permutation(a.embeddings, b.embeddings, permutations=50, seed=0)
    assert same["p_value"] > 0.05
    assert mmd_permutation(a.embeddings, c.embeddings, permutations=50, seed=0)["p_value"] < 0.05
