"""``lam kafka start|stop|status|topics``: the local single-node KRaft broker."""

from __future__ import annotations

import typer

from lam_models.adapters.broker import LocalBroker
from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.cli._common import console, guarded, settings

app = typer.Typer(help="Run the local Kafka broker.", no_args_is_help=True)


@app.command()
def start() -> None:
    """Start the broker (reused if running) and create the project's topics."""
    broker = LocalBroker.from_settings(settings())
    pid = guarded(broker.start)
    created = guarded(lambda: ensure_topics(settings()))
    console.print(f"broker pid {pid} on 127.0.0.1:{broker.port}; logs in {broker.run_dir}; topics created: {created or 'none'}")


@app.command()
def stop() -> None:
    """Stop the broker cleanly."""
    stopped = LocalBroker.from_settings(settings()).stop()
    console.print("broker stopped" if stopped else "no broker running")


@app.command()
def status() -> None:
    """Exit 0 when the broker is up, 1 otherwise."""
    broker = LocalBroker.from_settings(settings())
    up = broker.is_running()
    console.print(f"broker {'running, pid ' + str(broker.pid()) if up else 'not running'} on port {broker.port}")
    raise typer.Exit(0 if up else 1)


@app.command()
def topics() -> None:
    """Create the project's topics that are missing."""
    console.print(f"created: {guarded(lambda: ensure_topics(settings())) or 'none'}")
