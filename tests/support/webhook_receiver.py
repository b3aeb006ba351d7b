"""A webhook receiver on 127.0.0.1, as a subscriber would write one: it verifies every request with
the Standard Webhooks reference library (`standardwebhooks`, not our signer), answers 401 to one
that fails, and otherwise answers the next status of its script (200 once the script is used up)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    verified: Any  # the payload the library returned, or None
    refused: str | None  # the library's reason for refusing it
    status: int  # what the receiver answered


class WebhookReceiver:
    def __init__(self, script: list[int] | None = None):
        self.script = list(script or [])
        self.secrets: dict[str, str] = {}  # path -> the subscription's secret
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._handle(self, body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expect(self, path: str, secret: str) -> None:
        """Verify requests to `path` with this subscription's secret."""
        self.secrets[path] = secret

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {name.lower(): value for name, value in request.headers.items()}
        verified, refused = None, None
        secret = self.secrets.get(request.path)
        try:
            if secret is None:
                raise WebhookVerificationError(f"no subscription expected at {request.path}")
            verified = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as err:
            refused = str(err)
        with self._lock:
            status = 401 if refused else (self.script.pop(0) if self.script else 200)
            self.received.append(Received(request.path, headers, body, verified, refused, status))
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()
