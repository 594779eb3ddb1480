"""The one training loop: AdamW, linear warm-up + decay, class weights, early stop on macro-F1.

Why one loop with hooks: every variant (FGM, augmentation, distillation) plugs into named
phases (see ``hooks.py``), so the ablation compares exactly one change at a time. Runs are
seeded and deterministic on CPU (same seed, same threads -> same weights); batches are
length-bucketed so short PhraseBank sentences are not padded to the longest one.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from transformers import get_linear_schedule_with_warmup

from lam_models.devices import native_bf16
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts
from lam_models.sentiment.ema import WeightEMA
from lam_models.sentiment.hooks import Batch, TrainHook, TrainState
from lam_models.sentiment.lora import count_parameters
from lam_models.sentiment.metrics import accuracy, macro_f1
from lam_models.sentiment.model import SentimentModel, pick_device, predict

BUCKET_BATCHES = 50  # batches per length-sorted bucket: enough to pad little, few enough to stay random


@dataclass
class TrainResult:
    """The trained model (best validation epoch restored) and how training went."""

    model: SentimentModel
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    best_val_macro_f1: float = -1.0
    steps: int = 0
    train_seconds: float = 0.0
    cpu_seconds: float = 0.0  # process CPU time (all threads): wall time on idle cores ~ cpu / threads
    trainable_params: int = 0
    total_params: int = 0
    stopped_early: bool = False


def seed_everything(seed: int, num_threads: int | None = None) -> None:
    """Seed python, numpy and torch; deterministic kernels; fixed CPU thread count."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if num_threads:
        torch.set_num_threads(num_threads)


def class_weights(labels: np.ndarray, num_labels: int, mode: str) -> torch.Tensor | None:
    """Loss weights per class: ``balanced`` n/(k*n_c), ``sqrt`` its square root, ``none``."""
    if mode == "none":
        return None
    counts = np.bincount(labels, minlength=num_labels).astype(np.float64)
    weights = counts.sum() / (num_labels * np.maximum(counts, 1.0))
    if mode == "sqrt":
        weights = np.sqrt(weights)
    return torch.tensor(weights / weights.mean(), dtype=torch.float32)


def length_bucketed_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffle, sort by length within buckets of ``BUCKET_BATCHES`` batches, shuffle the batches."""
    order = rng.permutation(len(lengths))
    batches: list[np.ndarray] = []
    span = batch_size * BUCKET_BATCHES
    lengths_arr = np.asarray(lengths)
    for start in range(0, len(order), span):
        bucket = order[start:start + span]
        bucket = bucket[np.argsort(lengths_arr[bucket], kind="stable")]
        batches.extend(bucket[i:i + batch_size] for i in range(0, len(bucket), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def lr_scale(name: str, num_layers: int, config: TrainConfig) -> float:
    """LR multiplier of one parameter: heads ``head_lr_multiplier``; encoder layer ``i`` of ``L``
    ``layer_lr_decay ** (L - 1 - i)``; embeddings ``layer_lr_decay ** L``."""
    if not name.startswith("encoder."):
        return config.head_lr_multiplier
    layer = re.search(r"\.layer\.(\d+)\.", name)
    depth = int(layer.group(1)) + 1 if layer else (0 if "embeddings" in name else num_layers)
    return config.layer_lr_decay ** (num_layers - depth)


def make_optimizer(model: SentimentModel, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW; no weight decay on biases and LayerNorm; LR scaled per parameter by :func:`lr_scale`."""
    lr = float(config.learning_rate or 0)
    num_layers = int(getattr(model.encoder.config, "num_hidden_layers", 0))
    groups: dict[tuple[float, bool], list[torch.nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        no_decay = param.dim() < 2 or "LayerNorm" in name or "layer_norm" in name
        groups.setdefault((lr_scale(name, num_layers, config), no_decay), []).append(param)
    return torch.optim.AdamW(
        [{"params": params, "lr": lr * scale, "weight_decay": 0.0 if no_decay else config.weight_decay}
         for (scale, no_decay), params in groups.items()],
        lr=lr,
    )


def evaluate_split(model: SentimentModel, tokenizer: Any, data: LabelledTexts, config: TrainConfig) -> dict[str, float]:
    """Accuracy and macro-F1 of ``model`` on ``data``."""
    _, logits = predict(model, tokenizer, data.texts, config.eval_batch_size, config.max_seq_length)
    pred = logits.argmax(1)
    return {"accuracy": accuracy(data.labels, pred), "macro_f1": macro_f1(data.labels, pred, model.num_labels)}


def fit(model: SentimentModel, tokenizer: Any, train: LabelledTexts, val: LabelledTexts,
        config: TrainConfig, hooks: Sequence[TrainHook] = ()) -> TrainResult:
    """Train ``model`` in place and return it with the best validation epoch's weights restored.

    Args:
        train, val: labelled texts; labels index ``model``'s head. A training label of -1 marks a
            row that only another task's hook learns from (the category head, see ``category_head.py``).
        hooks: variants, called in order at each phase (see ``hooks.py``).
    """
    seed_everything(config.seed, config.num_threads)
    device = pick_device(config.device)
    model.to(device).train()
    weights = class_weights(train.labels[train.labels >= 0], model.num_labels, config.class_weights)
    weights = weights.to(device) if weights is not None else None
    encoded = tokenizer(train.texts, truncation=True, max_length=config.max_seq_length)["input_ids"]
    lengths = [len(ids) for ids in encoded]
    total = math.ceil(len(train) / config.batch_size) * config.epochs
    total = total if config.max_steps is None else min(config.max_steps, total)
    optimizer = make_optimizer(model, config)
    scheduler = get_linear_schedule_with_warmup(optimizer, round(config.warmup_ratio * total), total)
    trainable, n_total = count_parameters(model)
    result = TrainResult(model=model, trainable_params=trainable, total_params=n_total)

    bf16 = config.precision == "bf16" or (config.precision == "auto" and native_bf16(device))

    def compute_loss(batch: Batch) -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            outputs = model(**batch.inputs)
        outputs = outputs.float()
        labelled = batch.labels >= 0  # rows of another task (multi-task training) have no sentiment label
        loss = (F.cross_entropy(outputs.logits[labelled], batch.labels[labelled], weight=weights,
                                label_smoothing=config.label_smoothing)
                if bool(labelled.any()) else outputs.logits.sum() * 0.0)
        for hook in hooks:
            loss = hook.loss(state, batch, outputs, loss)
        return loss

    state = TrainState(model=model, tokenizer=tokenizer, device=device, compute_loss=compute_loss)
    for hook in hooks:
        hook.on_train_start(state)
    batch_rng = np.random.default_rng(config.seed)
    text_rng = random.Random(config.seed)
    ema = WeightEMA(model, config.ema_decay) if config.ema_decay else None
    best_state: dict[str, torch.Tensor] | None = None
    bad_epochs = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with progress_bar(config.progress) as progress:
        task = progress.add_task("training", total=total)
        for epoch in range(config.epochs):
            state.epoch = epoch
            losses: list[float] = []
            for index in length_bucketed_batches(lengths, config.batch_size, batch_rng):
                if state.step >= total:
                    break
                loss = _train_step(state, train, index, hooks, text_rng, optimizer, scheduler, config)
                if ema is not None:
                    ema.update(model)
                losses.append(loss)
                state.step += 1
                text = f"epoch {epoch + 1}/{config.epochs} loss {np.mean(losses[-20:]):.3f}"
                progress.update(task, advance=1, description=text)
            with ema.swapped_in(model) if ema is not None else contextlib.nullcontext():
                scores = evaluate_split(model, tokenizer, val, config)
                snapshot = {k: v.detach().clone() for k, v in model.state_dict().items()}
            result.history.append({
                "epoch": epoch + 1, "steps": state.step, "train_loss": float(np.mean(losses)) if losses else 0.0,
                "val_accuracy": scores["accuracy"], "val_macro_f1": scores["macro_f1"],
                "seconds": time.perf_counter() - started})
            if config.progress:
                progress.console.log(f"epoch {epoch + 1}: loss {result.history[-1]['train_loss']:.4f} "
                                     f"val acc {scores['accuracy']:.4f} macro-F1 {scores['macro_f1']:.4f}")
            if scores["macro_f1"] > result.best_val_macro_f1:
                result.best_val_macro_f1, result.best_epoch, bad_epochs = scores["macro_f1"], epoch + 1, 0
                best_state = snapshot
            else:
                bad_epochs += 1
                if config.patience and bad_epochs >= config.patience:
                    result.stopped_early = True
                    break
            if state.step >= total:
                break
    for hook in hooks:
        hook.on_train_end(state)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    result.steps, result.train_seconds = state.step, time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    return result


def _train_step(state: TrainState, train: LabelledTexts, index: np.ndarray, hooks: Sequence[TrainHook],
                text_rng: random.Random, optimizer: torch.optim.Optimizer, scheduler: Any,
                config: TrainConfig) -> float:
    """One optimiser step through every hook phase; returns the step's loss."""
    labels = [int(train.labels[i]) for i in index]
    texts = [train.texts[i] for i in index]
    for hook in hooks:
        texts = hook.prepare_texts(texts, labels, text_rng)
    encoded = state.tokenizer(texts, padding=True, truncation=True, max_length=config.max_seq_length,
                              return_tensors="pt")
    inputs = {k: v.to(state.device) for k, v in encoded.items()}
    batch = Batch(texts, torch.tensor(labels, device=state.device), inputs, index)
    for hook in hooks:
        hook.before_forward(state, batch)
    loss = state.compute_loss(batch)
    loss.backward()
    for hook in hooks:
        hook.after_backward(state, batch)
    torch.nn.utils.clip_grad_norm_([p for p in state.model.parameters() if p.requires_grad], config.max_grad_norm)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss.detach())


def progress_bar(enabled: bool) -> Any:
    """A rich progress bar (steps, elapsed, remaining); a no-op when ``enabled`` is False."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), disable=not enabled, transient=False)
