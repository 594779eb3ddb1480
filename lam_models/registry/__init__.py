"""Folder model registry: atomic immutable versions, verified loads, a production pointer."""

from lam_models.registry.loading import LoadedVersion, load_production, load_version, resolve_version
from lam_models.registry.pointers import production_version, promote, read_pointer, rollback
from lam_models.registry.store import (
    RegistryError,
    VersionInfo,
    list_versions,
    open_version,
    show,
    write_version,
)

__all__ = [
    "LoadedVersion",
    "RegistryError",
    "VersionInfo",
    "list_versions",
    "load_production",
    "load_version",
    "open_version",
    "production_version",
    "promote",
    "read_pointer",
    "resolve_version",
    "rollback",
    "show",
    "write_version",
]
