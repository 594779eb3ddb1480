"""Helpers shared by the command groups: settings, console, one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from lam_models.settings import Settings, get_settings

console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


@contextmanager
def clear_errors(*kinds: type[BaseException]) -> Iterator[None]:
    """Turn expected operational errors into one red line and exit code 2 (no traceback)."""
    try:
        yield
    except kinds as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def registry_errors() -> tuple[type[BaseException], ...]:
    """Errors of training and registry commands that deserve one line, not a traceback."""
    from lam_models.datasets import DatasetError
    from lam_models.registry.store import RegistryError
    from lam_models.sentiment.data import DataError

    return (RegistryError, DataError, DatasetError, FileNotFoundError, ValueError)


def operational_errors() -> tuple[type[BaseException], ...]:
    from lam_models.adapters.broker import BrokerError
    from lam_models.adapters.jars import MissingJarsError
    from lam_models.adapters.kafka_admin import BrokerUnreachable
    from lam_models.datasets import DatasetError

    return (BrokerError, MissingJarsError, BrokerUnreachable, DatasetError, FileNotFoundError)


def guarded(fn: Callable[[], object]) -> object:
    with clear_errors(*operational_errors()):
        return fn()
