"""Annotator-agreement targets: train on how sure the annotators were, not only on their majority.

Why: in Financial PhraseBank a sentence that 5 of 8 annotators called positive is trained, with hard
labels, exactly like one all 8 agreed on; the model then spends its capacity memorising coin flips.
With the agreement known (PhraseBank's nested files give it per sentence, other files may carry an
``agreement`` column), the target keeps that share on the majority label and gives the rest to its
ordinal neighbours (negative < neutral < positive), where annotators actually disagree. Measured in
``bench/results/sentiment.json`` (the ``agreement`` rows).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.model import SentimentOutput

@functools.cache
def ordinal_neighbours(num_labels: int) -> torch.Tensor:
    """(num_labels, num_labels): row c spreads 1 evenly over c - 1 and c + 1 (built once per size)."""
    neighbours = torch.zeros(num_labels, num_labels)
    for label in range(num_labels):
        adjacent = [other for other in (label - 1, label + 1) if 0 <= other < num_labels]
        neighbours[label, adjacent] = 1.0 / len(adjacent)
    return neighbours


def agreement_targets(labels: torch.Tensor, agreement: torch.Tensor, num_labels: int) -> torch.Tensor:
    """(batch, num_labels) target distributions: ``agreement`` on the label, the rest split over
    the label's ordinal neighbours (index - 1 and + 1)."""
    neighbours = ordinal_neighbours(num_labels).to(labels.device)
    share = agreement.to(labels.device, torch.float32).unsqueeze(1)
    return share * F.one_hot(labels, num_labels).float() + (1.0 - share) * neighbours[labels]


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, class_weights: torch.Tensor | None) -> torch.Tensor:
    """Cross-entropy against target distributions; with class weights, a weighted mean over rows
    (each row weighted by its majority label's weight, as ``F.cross_entropy`` does)."""
    per_row = -(targets * F.log_softmax(logits, dim=-1)).sum(-1)
    if class_weights is None:
        return per_row.mean()
    weights = class_weights[targets.argmax(-1)]
    return (per_row * weights).sum() / weights.sum()


class AgreementHook(TrainHook):
    """Replaces the hard-label loss by the cross-entropy against agreement targets."""

    name = "agreement"

    def __init__(self, agreement: np.ndarray, class_weights: torch.Tensor | None = None) -> None:
        if agreement.size and not bool(((agreement > 0) & (agreement <= 1)).all()):
            raise ValueError("agreement values must be in (0, 1]")
        self.agreement = torch.from_numpy(np.asarray(agreement, dtype=np.float32))
        self.class_weights = class_weights

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        if batch.rows is None:
            raise ValueError("agreement targets need the batch's row indices")
        labelled = batch.labels >= 0
        if not bool(labelled.any()):
            return loss
        rows = torch.from_numpy(np.asarray(batch.rows))[labelled.cpu()]
        targets = agreement_targets(batch.labels[labelled], self.agreement[rows], outputs.logits.shape[-1])
        weights = None if self.class_weights is None else self.class_weights.to(outputs.logits.device)
        return soft_cross_entropy(outputs.logits[labelled], targets, weights)
