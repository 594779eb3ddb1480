"""TrainConfig: defaults, method-dependent learning rate, validation, serialisation."""

from __future__ import annotations

import json

import pytest

from lam_models.sentiment.config import TrainConfig


def test_defaults_are_valid_and_pick_the_method_learning_rate() -> None:
    assert TrainConfig().learning_rate == pytest.approx(1e-4)
    assert TrainConfig(method="lora").learning_rate == pytest.approx(1e-3)
    assert TrainConfig(method="lora", learning_rate=5e-4).learning_rate == pytest.approx(5e-4)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"method": "prefix"}, "method"),
        ({"warmup_ratio": 1.5}, "warmup_ratio"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_seq_length": 4}, "max_seq_length"),
        ({"test_size": 0.0}, "test_size"),
        ({"adversarial": "pgd"}, "adversarial"),
        ({"class_weights": "inverse"}, "class_weights"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"distill_alpha": 2.0}, "distill_alpha"),
        ({"num_layers": 0}, "num_layers"),
        ({"distill_from": "v1", "init_from": "v1"}, "same version"),
        ({"lora_targets": ()}, "lora_targets"),
    ],
)
def test_bad_values_are_rejected_with_the_field_named(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)


def test_round_trip_through_json() -> None:
    config = TrainConfig(method="lora", adversarial="fgm", augment=True, lora_targets=("query", "key", "value"),
                         label_map={"2": "positive"})
    again = TrainConfig.model_validate(json.loads(json.dumps(config.model_dump(mode="json"))))
    assert again == config
    assert again.lora_targets == ("query", "key", "value")
    assert again.label_map == {"2": "positive"}


def test_unknown_keys_are_an_error() -> None:
    with pytest.raises(ValueError, match="learning_rte"):
        TrainConfig.model_validate({"learning_rte": 1e-4})


def test_update_revalidates_and_resets_the_learning_rate_on_method_change() -> None:
    config = TrainConfig()
    assert config.update(method="lora").learning_rate == pytest.approx(1e-3)
    assert config.update(epochs=3).epochs == 3
    with pytest.raises(ValueError):
        config.update(epochs=0)


def test_config_is_frozen() -> None:
    with pytest.raises(ValueError, match="frozen"):
        TrainConfig().epochs = 3  # type: ignore[misc]
