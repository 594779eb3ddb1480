"""Package flat APIs loaded on first use (PEP 562 module ``__getattr__``).

Why: the settings object imports each package's ``config`` module, and Python runs a package's
``__init__`` first; a flat API imported eagerly there would load LightFM, scipy.stats and the
detectors into every CLI call, Spark worker and DAG parse that only needs the settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public name ``n`` is defined in its submodule ``exports[n]``."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
