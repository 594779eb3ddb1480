"""A local webhook receiver on 127.0.0.1 for the sink tests: scripted statuses, every request kept."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Answers ``fail_keys[alert key]`` for those keys, else ``statuses`` in order, then ``default``.

    ``delay_s`` stalls every answer (for timeouts); ``requests`` holds body, headers and status of each.
    """

    def __init__(self) -> None:
        self.url = ""
        self.statuses: list[int] = []
        self.default = 200
        self.delay_s = 0.0
        self.fail_keys: dict[str, int] = {}
        self.requests: list[dict] = []
        self._lock = threading.Lock()

    def answer(self, body: dict, headers: dict) -> int:
        with self._lock:
            if isinstance(body, dict) and body.get("key") in self.fail_keys:
                status = self.fail_keys[body["key"]]
            else:
                status = self.statuses.pop(0) if self.statuses else self.default
            self.requests.append({"body": body, "headers": headers, "status": status})
            return status

    def attempts(self, alert_id: str) -> int:
        return sum(r["body"].get("alert_id") == alert_id for r in self.requests)


@contextmanager
def serve() -> Iterator[Receiver]:
    """Run a receiver in a thread for the duration of the block."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status = receiver.answer(body, dict(self.headers))
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook?token=secret"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
