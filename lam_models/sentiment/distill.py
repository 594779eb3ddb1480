"""Knowledge distillation: a teacher's temperature-softened targets join the student's loss.

Why: a full fine-tuned teacher knows which neutral sentences are "almost positive"; its soft
targets pass that on to a cheaper student (LoRA, or fewer layers) better than hard labels
alone (Hinton et al., 2015). Loss = (1 - alpha) * CE(student, label)
+ alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)).
Teacher logits are cached per text, so each sentence costs one teacher pass per run.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.model import SentimentModel, SentimentOutput, predict


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
