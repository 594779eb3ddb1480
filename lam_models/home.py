"""The folder lam-pipelines keeps its venv, jars, models, lake and registry under by default.

Why a module of its own: settings and the offline base models (``sentiment/offline_models.py``)
both need it, and settings imports the model packages, so the constant lives below both.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = Path(os.environ.get("LAM_HOME_DIR", Path.home() / ".cache" / "lam-pipelines"))
