"""``lam kafka start|stop|status|topics``: the local single-node KRaft broker."""

from __future__ import annotations

import typer

from lam_models.adapters.broker import LocalBroker
from lam_models.adapters.kafka_admin import ensure_topics
from lam_models.cli._common import console, guarded, settings

app = typer.Typer(help="Run the local Kafka broker.", no_args_is_help=True)


@app.command()
def start() -> None:
    """Start the broker (reused if running) and create the project's topics.

    SASL_SSL (SCRAM over TLS, self-signed CA) when LAM_KAFKA__SECURITY_PROTOCOL=SASL_SSL.
    """
    current = settings()
    broker = guarded(lambda: LocalBroker.from_settings(current))
    pid = guarded(broker.start)
    clients = current.model_copy(update={"kafka": broker.client_kafka(current.kafka)}) if broker.secure else current
    created = guarded(lambda: ensure_topics(clients))
    console.print(f"broker pid {pid} on 127.0.0.1:{broker.port}; logs in {broker.run_dir}; topics created: {created or 'none'}")
    if broker.secure and not current.kafka.ssl_cafile:
        console.print(f"SASL_SSL: clients trust the broker's CA, set LAM_KAFKA__SSL_CAFILE={broker.ca_file}")


@app.command()
def stop() -> None:
    """Stop the broker cleanly."""
    stopped = guarded(lambda: LocalBroker.from_settings(settings())).stop()
    console.print("broker stopped" if stopped else "no broker running")


@app.command()
def status() -> None:
    """Exit 0 when the broker is up, 1 otherwise."""
    broker = guarded(lambda: LocalBroker.from_settings(settings()))
    up = broker.is_running()
    console.print(f"broker {'running, pid ' + str(broker.pid()) if up else 'not running'} on port {broker.port}")
    raise typer.Exit(0 if up else 1)


@app.command()
def topics() -> None:
    """Create the project's topics that are missing."""
    console.print(f"created: {guarded(lambda: ensure_topics(settings())) or 'none'}")
