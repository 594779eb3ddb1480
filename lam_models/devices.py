"""Where a model runs and in which precision: one answer for training and scoring."""

from __future__ import annotations

from typing import Any

PRECISIONS = ("auto", "fp32", "bf16")


def pick_device(preference: str = "auto") -> str:
    """``cuda`` when asked for (it must exist) or available under ``auto``, else ``cpu``.

    Raises:
        RuntimeError: ``cuda`` asked for where there is none.
    """
    import torch

    if preference == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but CUDA is not available: set LAM_MODEL__DEVICE=auto or cpu")
    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return preference


def native_bf16(device: Any) -> bool:
    """Whether bf16 runs natively (fast) on ``device`` (a name or a ``torch.device``): bf16 GPUs, and CPUs
    with AVX512-BF16 or AMX. Emulated bf16 on older CPUs is slower than fp32."""
    import torch

    if getattr(device, "type", device) == "cuda":
        return torch.cuda.is_bf16_supported()
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, check, lambda: False)()) for check in checks)


def pick_precision(device: str, preference: str = "auto") -> str:
    """``bf16`` or ``fp32`` for ``device``: ``auto`` takes bf16 only where it runs natively.

    Raises:
        ValueError: an unknown preference.
    """
    if preference not in PRECISIONS:
        raise ValueError(f"unknown precision {preference!r}; choose one of {list(PRECISIONS)}")
    if preference != "auto":
        return preference
    return "bf16" if native_bf16(device) else "fp32"
