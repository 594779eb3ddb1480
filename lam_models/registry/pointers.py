"""The production pointer: which version the jobs serve, switched atomically, with history.

Why a pointer file and not a symlink or a copied folder: a JSON file replaced with
``os.replace`` is atomic on POSIX and on object-store-backed volumes alike, and it can carry
the promotion stack (for rollback) and an audit log of who-promoted-what-when. A lock file
serialises concurrent promote/rollback calls so no update is lost.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lam_models.files import write_atomic
from lam_models.registry.store import DEFAULT_NAME, RegistryError, open_version

POINTER_FILE = "production.json"


def pointer_path(root: Path, name: str = DEFAULT_NAME) -> Path:
    return Path(root) / name / POINTER_FILE


def read_pointer(root: Path, name: str = DEFAULT_NAME) -> dict[str, Any]:
    """``{"current": id | None, "stack": [ids, oldest first], "history": [events]}``."""
    path = pointer_path(root, name)
    if not path.is_file():
        return {"current": None, "stack": [], "history": []}
    try:
        state = json.loads(path.read_text())
        state["current"], state["stack"], state["history"]  # noqa: B018 - shape check
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"production pointer {path} is unreadable ({exc}); restore it from backup "
                            "or delete it and promote a version again") from exc
    return state


def production_version(root: Path, name: str = DEFAULT_NAME) -> str | None:
    """The version marked production, or None when nothing was promoted yet."""
    return read_pointer(root, name)["current"]


def promote(root: Path, version_id: str, reason: str = "", name: str = DEFAULT_NAME) -> dict[str, Any]:
    """Mark ``version_id`` production (it must verify first) and return the new pointer state."""
    open_version(root, version_id, name, verify=True)
    with _locked(root, name):
        state = read_pointer(root, name)
        previous = state["current"]
        if previous == version_id:
            return state
        state["stack"].append(version_id)
        state["current"] = version_id
        state["history"].append(_event("promote", version_id, previous, reason))
        write_atomic(pointer_path(root, name), json.dumps(state, indent=2), durable=True)
    return state


def rollback(root: Path, reason: str = "", name: str = DEFAULT_NAME) -> dict[str, Any]:
    """Return production to the version promoted before the current one.

    Raises:
        RegistryError: there is no earlier production version to return to.
    """
    with _locked(root, name):
        state = read_pointer(root, name)
        if len(state["stack"]) < 2:
            raise RegistryError("nothing to roll back to: fewer than two versions were ever promoted")
        previous = state["stack"].pop()
        target = state["stack"][-1]
        open_version(root, target, name, verify=True)
        state["current"] = target
        state["history"].append(_event("rollback", target, previous, reason))
        write_atomic(pointer_path(root, name), json.dumps(state, indent=2), durable=True)
    return state


def _event(action: str, version: str, previous: str | None, reason: str) -> dict[str, Any]:
    return {"action": action, "version": version, "previous": previous, "reason": reason,
            "at": datetime.now(UTC).isoformat(timespec="seconds"), "user": os.environ.get("USER", "")}


@contextmanager
def _locked(root: Path, name: str) -> Iterator[None]:
    lock = Path(root) / name / ".pointer.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
