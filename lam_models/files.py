"""Small durable-file helpers shared by the lake, the registries, the datasets and the alert sinks."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path`` to write; on success it replaces ``path`` in one rename,
    on any error it is deleted, so readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, mode: int = 0o666, durable: bool = False) -> None:
    """Replace ``path`` with ``data`` in one rename (see :func:`replacing`); ``mode`` applies from
    creation (before the umask), so 0o600 keeps a secret owner-only from its first byte. ``durable``:
    the data reaches the disk before the rename and the rename before returning (state a crash must not lose)."""
    with replacing(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    if durable:
        fsync_dir(path.parent)


def write_private(path: Path, data: str | bytes) -> None:
    """Write a file readable by its owner only: created 0600, never world-readable in between."""
    write_atomic(path, data, mode=0o600)


@contextmanager
def staged_folder(final: Path, staging: Path) -> Iterator[Path]:
    """Yield an empty ``staging`` folder to fill; on success it becomes ``final`` in one rename,
    on any error it is deleted, so readers never see a half-written ``final``."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
