"""Sentence encoder for inference: tokenise once, sort by length, pack batches by a token budget.

Shared by the Spark UDF and direct calls so both give the same vectors. GPU when present, CPU
otherwise; bf16 weights where the hardware runs bf16 natively (CUDA, CPUs with AVX512-BF16 or AMX),
fp32 elsewhere (``bench/results/scoring.json`` measures each option's speed and what it changes);
``torch.inference_mode`` throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lam_models.devices import pick_device, pick_precision


def pack_by_tokens(lengths: np.ndarray, token_budget: int) -> list[np.ndarray]:
    """Group row indices, shortest first, so each batch's ``rows x longest`` stays within the budget.

    Args:
        lengths: (n,) int token counts per text.
    Returns:
        index arrays into ``lengths``; every row appears exactly once.
    """
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and (stop - start + 1) * lengths[order[stop]] <= token_budget:
            stop += 1
        batches.append(order[start:stop])
        start = stop
    return batches


@dataclass
class EncoderOutput:
    """Per-text results of one forward pass: unit-norm embeddings and optional head logits."""

    embeddings: np.ndarray  # (n, d) float32
    logits: np.ndarray | None = None  # (n, classes) float32


class Encoder:
    """Transformer + mean pooling (+ an optional linear head on the pooled vector)."""

    def __init__(self, model_path: str, device: str = "auto", max_length: int = 128, token_budget: int = 8192,
                 threads: int = 0, backbone=None, head=None, tokenizer=None, precision: str = "auto") -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.device = pick_device(device)
        if self.device == "cpu" and threads:
            torch.set_num_threads(threads)
        self.tokenizer = tokenizer or AutoTokenizer.from_pretrained(model_path)
        self.model = (backbone or AutoModel.from_pretrained(model_path)).eval().to(self.device)
        self.head = head.eval().to(self.device) if head is not None else None
        self.precision = pick_precision(self.device, precision)
        self.model = self.model.to(torch.bfloat16 if self.precision == "bf16" else torch.float32)
        self.max_length = max_length
        self.token_budget = token_budget

    def encode(self, texts: Sequence[str]) -> EncoderOutput:
        """Embeddings (and head logits) for ``texts``, in input order."""
        import torch

        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length, add_special_tokens=True)["input_ids"]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        embeddings = np.empty((len(ids), self.model.config.hidden_size), dtype=np.float32)
        logits = None
        with torch.inference_mode():
            for batch in pack_by_tokens(lengths, self.token_budget):
                pooled = self._pooled(ids, batch, int(lengths[batch].max()))
                if self.head is not None:
                    out = self.head(pooled.to(next(self.head.parameters()).dtype)).float().cpu().numpy()
                    logits = np.empty((len(ids), out.shape[1]), dtype=np.float32) if logits is None else logits
                    logits[batch] = out
                embeddings[batch] = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
        return EncoderOutput(embeddings, logits)

    def _pooled(self, ids: list[list[int]], batch: np.ndarray, width: int):
        input_ids = np.full((len(batch), width), self.tokenizer.pad_token_id or 0, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, index in enumerate(batch):
            seq = ids[index]
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        input_ids, mask = self._to_device(input_ids), self._to_device(mask)
        hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state.float()  # pool in fp32
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)

    def _to_device(self, array: np.ndarray):
        """Pinned host memory + a non-blocking copy on GPU, so the copy overlaps the previous batch."""
        import torch

        tensor = torch.from_numpy(array)
        if self.device == "cuda":
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor
