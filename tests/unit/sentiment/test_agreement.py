"""Annotator-agreement targets: PhraseBank bands from the real nested files, target shapes, the hook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lam_models.sentiment.agreement import AgreementHook, agreement_targets, soft_cross_entropy
from lam_models.sentiment.data import DataError, fetch_phrasebank, read_labelled_table
from lam_models.sentiment.hooks import Batch
from lam_models.sentiment.model import SentimentOutput


def test_phrasebank_bands_match_the_nested_file_sizes(phrasebank_dir: Path) -> None:
    data = fetch_phrasebank("50agree", phrasebank_dir.parent)
    values, counts = np.unique(data.agreement, return_counts=True)
    by_band = dict(zip([round(float(v), 2) for v in values], counts.tolist(), strict=True))
    # AllAgree 2,264 sentences; 75Agree adds 1,189 (+1 duplicate line), 66Agree 764, 50Agree 629.
    assert by_band == {1.0: 2264, 0.85: 1190, 0.7: 763, 0.58: 629}
    assert data.subset([0, 1]).agreement.tolist() == data.agreement[:2].tolist()


def test_targets_keep_agreement_on_the_label_and_give_the_rest_to_ordinal_neighbours() -> None:
    labels = torch.tensor([0, 1, 2, 1])  # negative, neutral, positive, neutral
    agreement = torch.tensor([0.6, 0.7, 1.0, 0.58])
    targets = agreement_targets(labels, agreement, 3)
    assert torch.allclose(targets.sum(1), torch.ones(4))
    assert torch.allclose(targets[0], torch.tensor([0.6, 0.4, 0.0]))  # negative only ever leaks to neutral
    assert torch.allclose(targets[1], torch.tensor([0.15, 0.7, 0.15]))  # neutral leaks to both sides
    assert torch.allclose(targets[2], torch.tensor([0.0, 0.0, 1.0]))  # full agreement is a hard label


def test_soft_cross_entropy_equals_cross_entropy_on_hard_targets() -> None:
    logits = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    labels = torch.tensor([0, 1, 2, 1, 0])
    hard = agreement_targets(labels, torch.ones(5), 3)
    weights = torch.tensor([2.0, 0.5, 1.0])
    assert torch.allclose(soft_cross_entropy(logits, hard, None), torch.nn.functional.cross_entropy(logits, labels))
    assert torch.allclose(soft_cross_entropy(logits, hard, weights),
                          torch.nn.functional.cross_entropy(logits, labels, weight=weights))


def test_hook_prefers_a_hedged_prediction_where_annotators_split_and_skips_other_tasks_rows() -> None:
    hook = AgreementHook(np.asarray([0.58, 0.9], dtype=np.float32))
    batch = Batch(["split", "other task"], torch.tensor([1, -1]), {}, np.asarray([0, 1]))

    def loss(first_row: list[float], second_row: list[float]) -> float:
        logits = torch.log(torch.tensor([first_row, second_row]))
        return hook.loss(None, batch, SentimentOutput(torch.zeros(2, 4), logits), torch.tensor(0.0)).item()  # type: ignore[arg-type]

    hedged, confident = [0.21, 0.58, 0.21], [0.01, 0.98, 0.01]
    assert loss(hedged, hedged) < loss(confident, hedged), "5 of 8 annotators: the hedge is the better answer"
    hard = torch.nn.functional.cross_entropy
    assert hard(torch.log(torch.tensor([confident])), torch.tensor([1])) < hard(torch.log(torch.tensor([hedged])), torch.tensor([1]))
    assert loss(hedged, hedged) == pytest.approx(loss(hedged, confident)), "a row without a sentiment label adds nothing"
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        AgreementHook(np.asarray([0.0]))


def test_generic_files_may_carry_an_agreement_column(tmp_path: Path) -> None:
    good = tmp_path / "agree.csv"
    good.write_text("text,label,agreement\nProfit rose .,positive,0.8\nSales fell .,negative,1\n")
    assert read_labelled_table(good).agreement.tolist() == pytest.approx([0.8, 1.0])
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label,agreement\nProfit rose .,positive,1.5\n")
    with pytest.raises(DataError, match=r"bad.csv, line 2: agreement '1.5'"):
        read_labelled_table(bad)


def test_the_recipe_uses_agreement_targets_only_where_the_data_has_them(settings, tmp_path: Path) -> None:
    from lam_models.sentiment.api import build_hooks
    from lam_models.sentiment.config import TrainConfig

    path = tmp_path / "agree.csv"
    path.write_text("text,label,agreement\nProfit rose .,positive,0.8\nSales fell .,negative,1\n")
    with_agreement = read_labelled_table(path)
    without = with_agreement.subset([0, 1])
    without = type(without)(without.texts, without.labels, without.source)
    assert [h.name for h in build_hooks(TrainConfig(), settings, with_agreement)] == ["agreement"]
    assert build_hooks(TrainConfig(agreement_targets=False), settings, with_agreement) == []
    assert build_hooks(TrainConfig(), settings, without) == []
