"""Domain-adaptive pre-training: more masked-language-model training of the base encoder on
unlabelled in-domain text, before any sentiment fine-tune starts from it.

Why: all-MiniLM-L6-v2 learnt general English sentence similarity; financial prose ("operating
loss narrowed to EUR 0.4 mn") is rare there, and FinBERT's recipe starts with this step too.
It runs once per corpus (a base-model folder: safetensors + tokenizer + ``adapt.json``), and
every later fine-tune names that folder as its ``base_model``. The loss is computed only at
masked positions: the vocabulary projection over every token would cost more than the encoder. Measured in ``bench/results/sentiment.json`` (the ``adapted`` rows).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lam_models.devices import native_bf16
from lam_models.files import staged_folder
from lam_models.sentiment.config import AdaptConfig
from lam_models.sentiment.model import pick_device
from lam_models.sentiment.offline_models import resolve_model_path
from lam_models.sentiment.sources import texts_hash
from lam_models.sentiment.train import progress_bar, seed_everything

ADAPT_RECORD = "adapt.json"


def base_model_folder(settings: Any, name: str) -> Path:
    """Where an adapted base model named ``name`` lives: a path as given, a bare name under
    ``<registry_root>/base-models`` (beside the versions fine-tuned from it)."""
    if "/" in name or name.startswith("."):
        return Path(name)
    return Path(settings.registry_root) / "base-models" / name


def masked_lm_loss(model: Any, batch: dict[str, torch.Tensor], bf16: bool) -> torch.Tensor:
    """Cross-entropy of the MLM head at the masked positions only (``labels`` != -100).

    BERT (``cls``) and RoBERTa-style (``lm_head``) heads are applied to those positions alone;
    any other architecture falls back to its own full-sequence loss.
    """
    labels = batch["labels"]
    head = getattr(model, "cls", None) or getattr(model, "lm_head", None)
    with torch.autocast(labels.device.type, dtype=torch.bfloat16, enabled=bf16):
        if head is None:
            return model(**batch).loss.float()
        masked = labels != -100
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        logits = head(model.base_model(**inputs).last_hidden_state[masked])
    return F.cross_entropy(logits.float(), labels[masked])


def adapt_encoder(texts: list[str], config: AdaptConfig, output: Path) -> dict[str, Any]:
    """Continue MLM training of ``config.base_model`` on ``texts``; write the encoder to ``output``.

    The folder appears only when training succeeded (written beside it, then renamed), so a
    failed run never leaves a half-written base model. Returns the record saved as ``adapt.json``.
    """
    from transformers import (AutoModelForMaskedLM, AutoTokenizer, DataCollatorForLanguageModeling,
                              get_linear_schedule_with_warmup)

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("domain adaptation needs at least one non-empty text")
    output = Path(output)
    if output.exists():
        raise FileExistsError(f"{output} exists: pick a new name, or delete it first")
    seed_everything(config.seed, config.num_threads)
    device = pick_device(config.device)
    path = resolve_model_path(config.base_model)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=Path(path).is_dir())
    model = AutoModelForMaskedLM.from_pretrained(path, local_files_only=Path(path).is_dir()).to(device).train()
    collate = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mask_probability, return_tensors="pt")
    encoded = tokenizer(texts, truncation=True, max_length=config.max_seq_length)["input_ids"]
    per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = per_epoch * config.epochs if config.max_steps is None else min(config.max_steps, per_epoch * config.epochs)
    prefix = model.base_model_prefix
    head = [p for n, p in model.named_parameters() if not n.startswith(prefix + ".")]
    body = [p for n, p in model.named_parameters() if n.startswith(prefix + ".")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": config.learning_rate},
                                   {"params": head, "lr": config.learning_rate * config.head_lr_multiplier}],
                                  weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, round(config.warmup_ratio * total), total)
    bf16 = native_bf16(device)
    rng = np.random.default_rng(config.seed)
    history: list[dict[str, float]] = []
    step, started = 0, time.perf_counter()
    with progress_bar(config.progress) as progress:
        task = progress.add_task("domain adaptation", total=total)
        for epoch in range(config.epochs):
            losses = []
            order = rng.permutation(len(encoded))
            for start in range(0, len(order), config.batch_size):
                if step >= total:
                    break
                batch = collate([{"input_ids": encoded[i]} for i in order[start:start + config.batch_size]])
                loss = masked_lm_loss(model, {k: v.to(device) for k, v in batch.items()}, bf16)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
                step += 1
                progress.update(task, advance=1, description=f"epoch {epoch + 1}/{config.epochs} MLM loss {np.mean(losses[-50:]):.3f}")
            if losses:
                history.append({"epoch": epoch + 1, "steps": step, "mlm_loss": float(np.mean(losses)),
                                "seconds": time.perf_counter() - started})
            if step >= total:
                break
    record = {"config": config.model_dump(mode="json"), "texts": len(texts), "texts_sha256": texts_hash(texts), "steps": step,
              "train_seconds": time.perf_counter() - started, "history": history, "device": str(device)}
    _write_atomic(model.base_model, tokenizer, record, output)
    return record


def _write_atomic(encoder: Any, tokenizer: Any, record: dict[str, Any], output: Path) -> None:
    with staged_folder(output, output.with_name(f".{output.name}.partial")) as staging:
        encoder.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        (staging / ADAPT_RECORD).write_text(json.dumps(record, indent=2))
