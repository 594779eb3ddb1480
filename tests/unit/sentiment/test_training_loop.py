"""Tiny real training runs (1-layer MiniLM, a few steps): full, LoRA, FGM, augment, distill."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lam_models.sentiment.adversarial import FGM, FGMHook
from lam_models.sentiment.augment import Augmenter, AugmentHook
from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import LabelledTexts, read_labelled_table
from lam_models.sentiment.distill import DistillHook, TeacherCache, distillation_loss
from lam_models.sentiment.lora import apply_lora, count_parameters, merge_lora
from lam_models.sentiment.model import SentimentModel, load_encoder, load_tokenizer, predict
from lam_models.sentiment.train import class_weights, fit, length_bucketed_batches

TINY = dict(num_layers=1, batch_size=8, epochs=2, max_steps=4, progress=False, max_seq_length=32, patience=0)


def _model(config: TrainConfig) -> tuple[SentimentModel, object]:
    torch.manual_seed(0)
    model = SentimentModel(load_encoder(config.base_model, config.num_layers), 3, config.classifier_dropout)
    if config.method == "lora":
        apply_lora(model, config)
    return model, load_tokenizer(config.base_model)


@pytest.fixture()
def tiny_data(tiny_csv) -> tuple[LabelledTexts, LabelledTexts]:
    data = read_labelled_table(tiny_csv)
    return data.subset(range(0, 36)), data.subset(range(36, 48))


def test_forward_gives_unit_embedding_and_logits_in_one_pass() -> None:
    model, tokenizer = _model(TrainConfig(**TINY))
    model.eval()
    batch = tokenizer(["Profit rose .", "Sales fell sharply in the quarter ."], padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch)
    assert out.embedding.shape == (2, 384) and out.logits.shape == (2, 3)
    torch.testing.assert_close(out.embedding.norm(dim=1), torch.ones(2))
    emb, logits = predict(model, tokenizer, ["Sales fell sharply in the quarter .", "Profit rose ."], batch_size=1)
    np.testing.assert_allclose(logits[::-1], out.logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(emb[::-1], out.embedding.numpy(), atol=1e-5)


def test_full_training_runs_and_is_deterministic(tiny_data) -> None:
    train, val = tiny_data
    config = TrainConfig(**TINY)
    logits = []
    for _ in range(2):
        model, tokenizer = _model(config)
        result = fit(model, tokenizer, train, val, config)
        assert result.steps == 4 and len(result.history) == 1
        assert result.trainable_params == result.total_params
        logits.append(predict(model, tokenizer, val.texts)[1])
    np.testing.assert_array_equal(logits[0], logits[1])


def test_lora_trains_only_adapters_and_head_then_merges(tiny_data) -> None:
    train, val = tiny_data
    config = TrainConfig(method="lora", **TINY)
    model, tokenizer = _model(config)
    frozen = {k: v.clone() for k, v in model.encoder.named_parameters() if "lora_" not in k}
    result = fit(model, tokenizer, train, val, config)
    assert result.trainable_params == 2 * (384 * 8 + 8 * 384) + 384 * 3 + 3
    for name, param in model.encoder.named_parameters():
        if name in frozen:
            torch.testing.assert_close(param, frozen[name])
    before = predict(model, tokenizer, val.texts)[1]
    merged = merge_lora(model)
    assert not any("lora_" in k for k in merged.state_dict())
    np.testing.assert_allclose(predict(merged, tokenizer, val.texts)[1], before, atol=1e-4)


def test_lora_on_six_layers_has_the_documented_adapter_count() -> None:
    model, _ = _model(TrainConfig(method="lora", **{**TINY, "num_layers": None}))
    trainable, _ = count_parameters(model)
    assert trainable - (384 * 3 + 3) == 73_728


def test_fgm_augment_and_distill_hooks_run_in_the_loop(tiny_data) -> None:
    train, val = tiny_data
    teacher, tokenizer = _model(TrainConfig(**TINY))
    config = TrainConfig(adversarial="fgm", augment=True, distill_from="teacher", **TINY)
    student, _ = _model(config)
    hooks = [AugmentHook(Augmenter(1.0)), DistillHook(TeacherCache(teacher, tokenizer, 32), warm_texts=train.texts),
             FGMHook(0.5)]
    result = fit(student, tokenizer, train, val, config, hooks)
    assert result.steps == 4 and np.isfinite(result.history[0]["train_loss"])
    assert not student.word_embeddings()._forward_hooks  # FGM detached after training


def test_fgm_perturbation_has_norm_epsilon_per_example_and_works_with_frozen_embeddings() -> None:
    model, tokenizer = _model(TrainConfig(method="lora", **TINY))
    fgm = FGM(model.word_embeddings(), epsilon=0.7)
    batch = tokenizer(["Profit rose .", "Sales fell sharply ."], padding=True, return_tensors="pt")
    fgm.arm()
    model(**batch).logits.sum().backward()
    delta = fgm.perturbation()
    torch.testing.assert_close(delta.flatten(1).norm(dim=1), torch.full((2,), 0.7))
    fgm.attack(delta)
    shifted = model(**batch).logits
    fgm.remove()
    assert not torch.allclose(shifted, model(**batch).logits)


def test_distillation_loss_is_zero_for_identical_logits() -> None:
    logits = torch.randn(4, 3)
    assert distillation_loss(logits, logits, 2.0).item() == pytest.approx(0.0, abs=1e-6)
    assert distillation_loss(logits, -logits, 2.0).item() > 0


def test_class_weights_and_buckets() -> None:
    weights = class_weights(np.array([0, 1, 1, 1, 2, 2]), 3, "balanced")
    assert weights[0] > weights[2] > weights[1]
    assert class_weights(np.array([0, 1]), 3, "none") is None
    lengths = list(np.random.default_rng(0).integers(5, 60, 100))
    batches = length_bucketed_batches(lengths, 8, np.random.default_rng(0))
    assert sorted(np.concatenate(batches).tolist()) == list(range(100))
    assert all(len(b) <= 8 for b in batches)
