"""Fine-tune the item-text encoder on behaviour: items that the same users consume are pulled together.

The whole sentence encoder trains with in-batch negatives: each anchor item's positive is one of its
nearest co-consumption neighbours, the other positives of the batch are its negatives. The result is a
plain Hugging Face folder (safetensors) that ``recsys.item_text_model`` names, so the nightly run embeds
every item (warm, cold, new) with the same adapted encoder. Only the interactions given are used:
``bench/recsys_item_text.py`` fine-tunes on each split's training interactions.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

MARKER = "item_text_finetune.json"
"""Written last into the output folder: what the encoder was tuned on and how (its presence means complete)."""


@dataclass(frozen=True)
class FinetuneSettings:
    """Training settings of ``finetune_item_encoder`` (defaults chosen on the ML-100k validation cold items)."""

    epochs: int = 3
    learning_rate: float = 3e-5
    batch_size: int = 64
    temperature: float = 0.05
    neighbours: int = 10
    min_users: int = 5
    max_length: int = 64
    seed: int = 0


def co_consumption_neighbours(events: pd.DataFrame, item_ids: np.ndarray, k: int = 10, min_users: int = 5,
                              chunk: int = 1024) -> dict[int, np.ndarray]:
    """For every item with at least ``min_users`` users: the positions (in ``item_ids``) of the ``k`` items whose
    user sets are most alike (cosine of the binary item x user matrix; items with no shared user are left out).

    Args:
        events: interactions with ``user_id`` and ``item_id``; items outside ``item_ids`` are ignored.
        item_ids: the catalogue order the positions refer to.
    """
    position = pd.Series(np.arange(len(item_ids)), index=item_ids)
    events = events[events["item_id"].isin(position.index)]
    users = pd.factorize(events["user_id"])[0]
    matrix = sp.csr_matrix((np.ones(len(events)), (position.loc[events["item_id"]].to_numpy(), users)),
                           shape=(len(item_ids), int(users.max()) + 1 if len(users) else 1))
    matrix.data[:] = 1.0  # repeated (user, item) events were summed: a user counts once
    counts = np.asarray(matrix.sum(1)).ravel()
    unit = sp.csr_matrix(sp.diags(1.0 / np.sqrt(np.maximum(counts, 1.0))) @ matrix)
    anchors = np.flatnonzero(counts >= min_users)
    out: dict[int, np.ndarray] = {}
    for start in range(0, len(anchors), chunk):
        rows = anchors[start:start + chunk]
        similarity = (unit[rows] @ unit.T).toarray()
        similarity[np.arange(len(rows)), rows] = 0.0
        for row, scores in zip(rows, similarity):
            best = np.argsort(-scores, kind="stable")[:k]
            out[int(row)] = best[scores[best] > 0]
    return {row: best for row, best in out.items() if len(best)}


def finetune_item_encoder(texts: Sequence[str], neighbours: dict[int, np.ndarray], base_model: str, out_dir: Path,
                          settings: FinetuneSettings = FinetuneSettings()) -> dict:
    """Fine-tune ``base_model`` so each item's text embeds near its co-consumption neighbours' texts; the encoder
    and tokenizer go to ``out_dir`` (replaced whole, only once training finished). Returns the record saved in
    ``out_dir/item_text_finetune.json`` (settings, anchors, loss per epoch)."""
    import torch
    import torch.nn.functional as F

    from transformers import AutoModel

    from lam_models.sentiment.model import load_tokenizer, mean_pool
    from lam_models.sentiment.offline_models import resolve_model_path

    if len(neighbours) < 2:
        raise ValueError(f"only {len(neighbours)} items have co-consumption neighbours: too few interactions to fine-tune on")
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    path = resolve_model_path(base_model)  # the whole model (pooler too), so the folder loads without warnings
    encoder, tokenizer = AutoModel.from_pretrained(path, local_files_only=Path(path).is_dir()), load_tokenizer(base_model)
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=settings.learning_rate)
    anchors = np.fromiter(neighbours, dtype=np.int64)
    batch = min(settings.batch_size, len(anchors))

    def embed(rows: np.ndarray) -> torch.Tensor:
        tokens = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=settings.max_length, return_tensors="pt")
        hidden = encoder(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).last_hidden_state
        return F.normalize(mean_pool(hidden, tokens["attention_mask"]), dim=-1)

    losses = []
    encoder.train()
    for _ in range(settings.epochs):
        order, total, steps = rng.permutation(anchors), 0.0, 0
        for start in range(0, len(order) - batch + 1, batch):
            rows = order[start:start + batch]
            positives = np.array([rng.choice(neighbours[int(i)]) for i in rows])
            logits = embed(rows) @ embed(positives).T / settings.temperature
            loss = F.cross_entropy(logits, torch.arange(len(rows)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total, steps = total + loss.item(), steps + 1
        losses.append(round(total / max(steps, 1), 4))
    record = {"base_model": base_model, "settings": asdict(settings), "anchors": len(anchors), "items": len(texts),
              "loss_per_epoch": losses}
    _save(encoder.eval(), tokenizer, Path(out_dir), record)
    return record


def _save(encoder, tokenizer, out_dir: Path, record: dict) -> None:
    """Write the folder beside ``out_dir`` and swap it in, so a crash never leaves a half-written encoder."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        encoder.save_pretrained(str(staging), safe_serialization=True)
        tokenizer.save_pretrained(str(staging))
        (staging / MARKER).write_text(json.dumps(record, indent=2) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
