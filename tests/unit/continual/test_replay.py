"""Replay buffers: exact size, class balance, determinism under a seed, mixing."""

from __future__ import annotations

import numpy as np
import pytest

from lam_models.continual.replay import ClassBalancedBuffer, ReservoirSampler, build_replay, mix
from lam_models.sentiment.data import LabelledTexts


def skewed(n_neg: int = 10, n_neu: int = 200, n_pos: int = 40) -> LabelledTexts:
    rows = [(f"neg {i}", 0) for i in range(n_neg)] + [(f"neu {i}", 1) for i in range(n_neu)] + \
        [(f"pos {i}", 2) for i in range(n_pos)]
    return LabelledTexts([t for t, _ in rows], np.array([y for _, y in rows], np.int64), "skewed")


def test_reservoir_keeps_exactly_size_rows_and_is_seeded() -> None:
    rows = [(f"t{i}", i % 3) for i in range(1000)]
    a = ReservoirSampler(50, seed=1).extend(rows)
    b = ReservoirSampler(50, seed=1).extend(rows)
    c = ReservoirSampler(50, seed=2).extend(rows)
    assert len(a.rows) == 50 and a.seen == 1000
    assert a.rows == b.rows and a.rows != c.rows
    assert len(set(a.rows)) == 50


def test_reservoir_is_roughly_uniform() -> None:
    hits = np.zeros(100)
    for seed in range(300):
        for text, _ in ReservoirSampler(10, seed).extend((f"{i}", 0) for i in range(100)).rows:
            hits[int(text)] += 1
    assert hits[:50].sum() == pytest.approx(hits[50:].sum(), rel=0.15)  # early rows not favoured


def test_reservoir_smaller_stream_keeps_all() -> None:
    assert len(ReservoirSampler(50).extend([("a", 0), ("b", 1)]).rows) == 2


def test_balanced_buffer_equal_shares_and_tops_up_rare_class() -> None:
    rows = build_replay(skewed(), 60, "balanced", seed=0)
    assert len(rows) == 60
    assert dict(zip(*np.unique(rows.labels, return_counts=True), strict=True)) == {0: 10, 1: 25, 2: 25}
    rows = build_replay(skewed(), 30, "balanced", seed=0)
    assert np.bincount(rows.labels).tolist() == [10, 10, 10]


def test_balanced_buffer_is_deterministic() -> None:
    a = build_replay(skewed(), 40, "balanced", seed=3)
    b = build_replay(skewed(), 40, "balanced", seed=3)
    c = build_replay(skewed(), 40, "balanced", seed=4)
    assert a.texts == b.texts and a.texts != c.texts


def test_reservoir_replay_follows_the_data_distribution() -> None:
    rows = build_replay(skewed(), 100, "reservoir", seed=0)
    assert len(rows) == 100 and np.bincount(rows.labels, minlength=3)[1] > 60


def test_size_zero_and_bad_inputs() -> None:
    assert len(build_replay(skewed(), 0)) == 0
    assert ClassBalancedBuffer(5).sample() == []
    with pytest.raises(ValueError, match="size must be >= 0"):
        ReservoirSampler(-1)
    with pytest.raises(ValueError, match="balanced\\|reservoir"):
        build_replay(skewed(), 5, "fifo")  # type: ignore[arg-type]


def test_mix_keeps_every_row_once_shuffled_and_seeded() -> None:
    new = LabelledTexts(["n1", "n2", "dup"], np.array([0, 1, 2]), "new")
    old = LabelledTexts(["o1", "dup", "o2"], np.array([2, 2, 1]), "old")
    mixed = mix(new, old, seed=0)
    assert sorted(mixed.texts) == ["dup", "n1", "n2", "o1", "o2"]
    assert dict(zip(mixed.texts, mixed.labels.tolist(), strict=True)) == {"n1": 0, "n2": 1, "dup": 2, "o1": 2, "o2": 1}
    assert mix(new, old, seed=0).texts == mixed.texts
