"""``python -m lam_models`` runs the ``lam`` CLI."""

from lam_models.cli import app

app()
