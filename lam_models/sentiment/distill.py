"""Knowledge distillation: a teacher's temperature-softened targets join the student's loss.

Why: a full fine-tuned teacher knows which neutral sentences are "almost positive"; its soft
targets pass that on to a cheaper student (LoRA, or fewer layers) better than hard labels
alone (Hinton et al., 2015). Loss = (1 - alpha) * CE(student, label)
+ alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)).
Teacher logits are cached per text, so each sentence costs one teacher pass per run. Unlabelled
texts (``distill_unlabelled``) join the training rows with label -1: only the soft-target term
trains on them, which is how a teacher passes on what it knows about text nobody labelled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts
from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.model import SentimentModel, SentimentOutput, predict
from lam_models.sentiment.sources import adaptation_texts


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``T^2 * KL(teacher_T || student_T)``, batch mean; both (batch, num_labels)."""
    log_student = F.log_softmax(student_logits / temperature, dim=-1)
    teacher = F.softmax(teacher_logits / temperature, dim=-1)
    return F.kl_div(log_student, teacher, reduction="batchmean") * temperature**2


class TeacherCache:
    """Teacher logits per text, computed on first request in inference mode."""

    def __init__(self, teacher: SentimentModel, tokenizer: Any, max_length: int, batch_size: int = 128) -> None:
        self.teacher = teacher.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self._logits: dict[str, torch.Tensor] = {}

    def logits(self, texts: list[str]) -> torch.Tensor:
        """(len(texts), num_labels) float32 on the CPU."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._logits))
        if missing:
            _, new = predict(self.teacher, self.tokenizer, missing, self.batch_size, self.max_length)
            self._logits.update(zip(missing, torch.from_numpy(new), strict=True))
        return torch.stack([self._logits[t] for t in texts])

    def warm(self, texts: list[str]) -> None:
        """Fill the cache for ``texts`` in large batches up front."""
        self.logits(texts)


class DistillHook(TrainHook):
    """Training-loop hook: mixes the teacher's soft-target loss into the student's loss."""

    name = "distill"

    def __init__(self, cache: TeacherCache, temperature: float = 2.0, alpha: float = 0.5,
                 warm_texts: list[str] | None = None) -> None:
        if temperature <= 0 or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"need temperature > 0 and alpha in [0, 1], got {temperature}, {alpha}")
        self.cache = cache
        self.temperature = temperature
        self.alpha = alpha
        self.warm_texts = warm_texts or []

    def on_train_start(self, state: TrainState) -> None:
        self.cache.warm(self.warm_texts)

    def loss(self, state: TrainState, batch: Batch, outputs: SentimentOutput, loss: torch.Tensor) -> torch.Tensor:
        teacher = self.cache.logits(batch.texts).to(outputs.logits.device)
        soft = distillation_loss(outputs.logits, teacher, self.temperature)
        return (1.0 - self.alpha) * loss + self.alpha * soft


def distillation_texts(config: TrainConfig, settings: Any, data: LabelledTexts) -> list[str]:
    """The unlabelled texts of ``config.distill_unlabelled``, minus every text of ``data`` (its
    validation and test rows must stay unseen, its train rows are already there), deduplicated,
    then a sample of ``distill_unlabelled_limit`` drawn with the run's seed."""
    known = set(data.texts)
    texts = [t for t in dict.fromkeys(adaptation_texts(list(config.distill_unlabelled), settings)) if t not in known]
    limit = config.distill_unlabelled_limit
    if limit is not None and limit < len(texts):
        keep = np.sort(np.random.default_rng(config.seed).choice(len(texts), limit, replace=False))
        texts = [texts[i] for i in keep]
    return texts


def with_unlabelled(rows: LabelledTexts, texts: list[str]) -> LabelledTexts:
    """``rows`` plus ``texts`` as rows without a sentiment label (-1): only the teacher's soft
    targets train on them."""
    if not texts:
        return rows
    agreement = None if rows.agreement is None else np.concatenate([rows.agreement, np.ones(len(texts), np.float32)])
    return LabelledTexts(rows.texts + texts, np.concatenate([rows.labels, np.full(len(texts), -1, np.int64)]),
                         rows.source, agreement)
