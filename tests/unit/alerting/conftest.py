"""Fixtures of the alerting unit tests."""

from __future__ import annotations

import pytest

from tests.unit.alerting.webhook_server import serve


@pytest.fixture
def webhook():
    """A local webhook receiver on 127.0.0.1 (see ``webhook_server.Receiver``)."""
    with serve() as receiver:
        yield receiver
