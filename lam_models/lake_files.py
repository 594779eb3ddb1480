"""Whole files under the lake root that are not Delta tables (labels table, job state, reports), local or on S3.

Each write replaces the file at once: a local file by a temp file and one rename (``files.write_atomic``),
an object by one PUT, which S3 makes visible whole or not at all. So readers see the old content or the
new, never a part, on either kind of lake.
"""

from __future__ import annotations

from pathlib import Path

from lam_models.files import write_atomic
from lam_models.lake_location import parse


def read_bytes(location: Path | str) -> bytes | None:
    """The file's content, or None when there is none."""
    location = parse(location)
    if isinstance(location, Path):
        return location.read_bytes() if location.is_file() else None
    from pyarrow import fs

    filesystem = location.storage.filesystem()
    if filesystem.get_file_info(location.bucket_key).type != fs.FileType.File:
        return None
    with filesystem.open_input_stream(location.bucket_key) as stream:
        return stream.read()


def write_bytes(location: Path | str, data: str | bytes, durable: bool = False) -> None:
    """Replace the file with ``data`` in one step; ``durable``: on local disk, fsync before and after the
    rename (an object store acknowledges a PUT once it is stored)."""
    location = parse(location)
    if isinstance(location, Path):
        write_atomic(location, data, durable=durable)
        return
    with location.storage.filesystem().open_output_stream(location.bucket_key) as stream:
        stream.write(data.encode() if isinstance(data, str) else data)


def delete(location: Path | str) -> None:
    """Remove the file; nothing when it is already gone."""
    location = parse(location)
    if isinstance(location, Path):
        location.unlink(missing_ok=True)
        return
    from pyarrow import fs

    filesystem = location.storage.filesystem()
    if filesystem.get_file_info(location.bucket_key).type == fs.FileType.File:
        filesystem.delete_file(location.bucket_key)
