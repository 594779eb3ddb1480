"""Load a verified version for inference: production by default, or a pinned one.

Why separate from ``store``: the store knows folders and checksums only; this module knows
that a sentiment version is a ``SentimentModel`` + tokenizer, and imports torch lazily so
listing or promoting versions stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from lam_models.registry.pointers import production_version
from lam_models.registry.store import DEFAULT_NAME, RegistryError, open_version, read_json


class LoadedVersion(NamedTuple):
    """A model ready for ``predict``: eval mode, on the requested device."""

    model: Any  # lam_models.sentiment.model.SentimentModel
    tokenizer: Any
    version_id: str
    labels: list[str]
    max_seq_length: int


def load_version(root: Path, version_id: str, device: str = "cpu", name: str = DEFAULT_NAME) -> LoadedVersion:
    """Verify ``version_id`` against its manifest, then build its model and tokenizer.

    Raises:
        RegistryError: the version is missing, incomplete or corrupt.
    """
    from lam_models.sentiment.model import load_model_files

    folder = open_version(root, version_id, name, verify=True)
    try:
        model, tokenizer = load_model_files(folder, device)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise RegistryError(f"version {version_id} cannot be loaded: {exc}") from exc
    labels = read_json(root, version_id, "labels.json", name)["labels"]
    max_len = int(read_json(root, version_id, "config.json", name).get("max_seq_length", 128))
    return LoadedVersion(model, tokenizer, version_id, labels, max_len)


def resolve_version(root: Path, pinned: str | None = None, name: str = DEFAULT_NAME) -> str:
    """``pinned`` when given, else the production version.

    Raises:
        RegistryError: nothing is pinned and nothing was promoted.
    """
    if pinned:
        return pinned
    current = production_version(root, name)
    if current is None:
        raise RegistryError(f"no production version in {Path(root) / name}: run `lam model promote VERSION` "
                            "or pin one with LAM_MODEL__VERSION")
    return current


def load_production(settings: Any, pinned: str | None = None, device: str | None = None) -> LoadedVersion:
    """The production version (or ``pinned``, or ``settings.model.version``) for inference.

    Args:
        settings: a ``lam_models.settings.Settings``; uses ``registry_root``, ``model.version``
            and ``model.device``.
    """
    from lam_models.sentiment.model import pick_device

    version_id = resolve_version(settings.registry_root, pinned or settings.model.version)
    target = device or str(pick_device(settings.model.device))
    return load_version(settings.registry_root, version_id, target)
