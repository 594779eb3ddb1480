"""``lam model list|show|promote|rollback [--kind sentiment|topics|recsys]``: one lifecycle for every model kind."""

from __future__ import annotations

import json

import typer

from lam_models.cli._common import clear_errors, console, registry_errors, settings

app = typer.Typer(help="The model registry: versions, production pointer, gate and rollback of every model kind.",
                  no_args_is_help=True)

KIND_HELP = "model kind: sentiment | topics | recsys"


def _kind(name: str):
    from lam_models.lifecycle import model_kind

    with clear_errors(ValueError):
        return model_kind(name)


@app.command("list")
def list_versions(kind: str = typer.Option("sentiment", help=KIND_HELP)) -> None:
    """Versions with their headline figures; the production one is marked."""
    from lam_models.registry.pointers import production_version
    from lam_models.registry.store import list_versions as versions

    chosen, s = _kind(kind), settings()
    with clear_errors(*registry_errors()):
        current = production_version(s.registry_root, chosen.name)
        for info in versions(s.registry_root, chosen.name, chosen.summary):
            mark = "*" if info.version_id == current else " "
            console.print(f"{mark} {info.version_id}  parent={info.parent}  {info.summary}")


@app.command("show")
def show(version: str, kind: str = typer.Option("sentiment", help=KIND_HELP)) -> None:
    """Everything recorded about one version."""
    from lam_models.registry.store import show as show_version

    chosen = _kind(kind)
    with clear_errors(*registry_errors()):
        console.print_json(json.dumps(show_version(settings().registry_root, version, chosen.name), default=str))


@app.command("promote")
def promote(version: str, reason: str = typer.Option("", help="why, kept in the pointer history"),
            kind: str = typer.Option("sentiment", help=KIND_HELP),
            gate: bool = typer.Option(False, help="promote only when VERSION passes its kind's gate against production")) -> None:
    """Make VERSION production (atomic pointer switch); with --gate only through the kind's gate."""
    from lam_models.registry.gate import promote_if_passing
    from lam_models.registry.pointers import promote as promote_version

    chosen, s = _kind(kind), settings()
    with clear_errors(*registry_errors()):
        if not gate:
            console.print(promote_version(s.registry_root, version, reason=reason, name=chosen.name))
            return
        decision = promote_if_passing(s.registry_root, version, chosen.gate(s), chosen.name, reason)
    console.print(f"GATE: {decision.reason}")
    if not decision.passed:
        raise typer.Exit(1)


@app.command("rollback")
def rollback(reason: str = typer.Option("", help="why, kept in the pointer history"),
             kind: str = typer.Option("sentiment", help=KIND_HELP)) -> None:
    """Switch production back to the previous version."""
    from lam_models.registry.pointers import rollback as rollback_version

    chosen = _kind(kind)
    with clear_errors(*registry_errors()):
        console.print(rollback_version(settings().registry_root, reason=reason, name=chosen.name))
