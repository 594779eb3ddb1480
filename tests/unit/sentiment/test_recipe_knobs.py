"""Recipe knobs of the sentiment fine-tune: layer-wise LR decay, weight EMA, bf16 autocast, label smoothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lam_models.sentiment.config import TrainConfig
from lam_models.sentiment.data import read_labelled_table
from lam_models.sentiment.ema import WeightEMA
from lam_models.sentiment.model import SentimentModel, load_encoder, load_tokenizer, predict
from lam_models.sentiment.train import fit, lr_scale, make_optimizer

TINY = dict(num_layers=2, batch_size=8, epochs=1, max_steps=4, progress=False, max_seq_length=32, patience=0)


def _model(config: TrainConfig) -> tuple[SentimentModel, object]:
    torch.manual_seed(0)
    return SentimentModel(load_encoder(config.base_model, config.num_layers), 3), load_tokenizer(config.base_model)


def test_layer_wise_lr_decay_scales_each_layer_and_the_heads() -> None:
    config = TrainConfig(layer_lr_decay=0.5, head_lr_multiplier=10.0, learning_rate=1e-4)
    assert lr_scale("head.weight", 6, config) == 10.0 and lr_scale("category_head.bias", 6, config) == 10.0
    assert lr_scale("encoder.encoder.layer.5.output.dense.weight", 6, config) == 1.0
    assert lr_scale("encoder.encoder.layer.0.attention.self.query.weight", 6, config) == 0.5**5
    assert lr_scale("encoder.embeddings.word_embeddings.weight", 6, config) == 0.5**6
    model, _ = _model(TrainConfig(**TINY))
    lrs = sorted({round(g["lr"], 12) for g in make_optimizer(model, config.update(num_layers=2)).param_groups})
    assert lrs == [round(1e-4 * f, 12) for f in (0.25, 0.5, 1.0, 10.0)]  # embeddings, layer 0, layer 1, head


def test_weight_ema_averages_and_swaps_back() -> None:
    layer = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        layer.weight.fill_(0.0)
    ema = WeightEMA(layer, decay=0.5)
    for value in (1.0, 2.0, 3.0):
        with torch.no_grad():
            layer.weight.fill_(value)
        ema.update(layer)
    # warm-up decay min(0.5, (1+t)/(10+t)): t=0 -> 0.1, t=1 -> 2/11, t=2 -> 0.25
    expected = ((0.0 * 0.1 + 0.9 * 1.0) * 2 / 11 + 9 / 11 * 2.0) * 0.25 + 0.75 * 3.0
    with ema.swapped_in(layer):
        assert layer.weight[0, 0].item() == pytest.approx(expected)
    assert layer.weight[0, 0].item() == 3.0


def test_ema_bf16_and_smoothing_train_deterministically_and_differently(tiny_csv) -> None:
    data = read_labelled_table(tiny_csv)
    train, val = data.subset(range(0, 36)), data.subset(range(36, 48))
    runs = {}
    for name, changes in {"plain": {}, "knobs": dict(ema_decay=0.9, precision="bf16", label_smoothing=0.1,
                                                      layer_lr_decay=0.8, head_lr_multiplier=5.0)}.items():
        config = TrainConfig(**TINY, **changes)
        logits = []
        for _ in range(2):
            model, tokenizer = _model(config)
            fit(model, tokenizer, train, val, config)
            logits.append(predict(model, tokenizer, val.texts)[1])
        np.testing.assert_array_equal(logits[0], logits[1])
        runs[name] = logits[0]
    assert not np.allclose(runs["plain"], runs["knobs"])


def test_bad_knob_values_fail_at_config_time() -> None:
    for bad in (dict(layer_lr_decay=0.0), dict(ema_decay=1.0), dict(label_smoothing=1.5), dict(precision="fp8")):
        with pytest.raises(ValueError):
            TrainConfig(**bad)
