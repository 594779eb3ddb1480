"""Distillation on unlabelled text: the rows it adds, what it leaves out, and a real run through the API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lam_models.registry import show
from lam_models.sentiment import api
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts, read_labelled_table
from lam_models.sentiment.distill import distillation_texts, with_unlabelled

TINY = dict(num_layers=1, batch_size=8, epochs=1, max_steps=4, progress=False, max_seq_length=32)


@pytest.fixture()
def unlabelled_txt(tmp_path: Path, tiny_csv: Path) -> Path:
    """Twelve new headlines, one duplicate, and one sentence of the labelled file (a would-be leak)."""
    labelled = read_labelled_table(tiny_csv).texts[0]
    lines = [f"Shares of Acme {i} jumped after the upgrade" for i in range(12)] + ["Shares of Acme 0 jumped after the upgrade", labelled]
    path = tmp_path / "headlines.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unlabelled_rows_carry_label_minus_one_and_full_agreement() -> None:
    rows = LabelledTexts(["a", "b"], np.array([0, 2]), "x", np.array([0.6, 1.0], np.float32))
    joined = with_unlabelled(rows, ["c", "d", "e"])
    assert joined.texts == ["a", "b", "c", "d", "e"]
    assert joined.labels.tolist() == [0, 2, -1, -1, -1]
    assert joined.agreement.tolist() == pytest.approx([0.6, 1.0, 1.0, 1.0, 1.0])
    assert with_unlabelled(rows, []) is rows


def test_unlabelled_texts_leave_out_the_labelled_data_and_duplicates_and_sample_by_seed(
        settings, tiny_csv: Path, unlabelled_txt: Path) -> None:
    data = read_labelled_table(tiny_csv)
    config = TrainConfig(dataset=str(tiny_csv), distill_from="teacher", distill_unlabelled=(str(unlabelled_txt),), **TINY)
    texts = distillation_texts(config, settings, data)
    assert len(texts) == 12 and not set(texts) & set(data.texts)
    sample = distillation_texts(config.update(distill_unlabelled_limit=5), settings, data)
    assert len(sample) == 5 and set(sample) <= set(texts)
    assert sample == distillation_texts(config.update(distill_unlabelled_limit=5), settings, data)
    assert sample != distillation_texts(config.update(distill_unlabelled_limit=5, seed=1), settings, data)


def test_unlabelled_text_needs_a_teacher() -> None:
    with pytest.raises(ValueError, match="distill_unlabelled needs distill_from"):
        TrainConfig(distill_unlabelled=("benzinga",))


def test_a_student_trains_on_labelled_and_unlabelled_text_from_a_teacher_version(
        settings, tiny_csv: Path, unlabelled_txt: Path) -> None:
    teacher = api.train_sentiment(TrainConfig(dataset=str(tiny_csv), **TINY), settings)
    config = TrainConfig(dataset=str(tiny_csv), distill_from=teacher, distill_unlabelled=(str(unlabelled_txt),),
                         seed=1, split_seed=0, **TINY)
    student = api.train_sentiment(config, settings)
    info = show(settings.registry_root, student)
    training = info["metrics"]["training"]
    assert training["unlabelled_rows"] == 12 and training["train_rows"] == 30
    assert training["hooks"] == ["distill"] and training["steps"] == 4
    assert info["version"]["teacher"] == teacher
    # split_seed 0 keeps the teacher's split: the same 10 test sentences, whatever the training seed
    assert info["metrics"]["test"]["n"] == show(settings.registry_root, teacher)["metrics"]["test"]["n"] == 10
    assert info["config"]["split_seed"] == 0 and info["config"]["seed"] == 1
