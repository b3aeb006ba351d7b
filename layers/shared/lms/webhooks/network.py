"""The network side of a delivery: resolving a receiver's host and posting to the checked address.

The request goes to the very address that `lms.webhooks.domain.safe_target` checked: the host name
is used only for TLS (server name and certificate check) and the Host header, never looked up a
second time, so a DNS answer that changes between the check and the connection (DNS rebinding)
cannot redirect a delivery to a private address. Redirects are not followed (http.client never
does): a 3xx is a failed attempt like any other answer outside 2xx.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from lms.webhooks.domain import Target

MAX_ERROR_LENGTH = 300


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no HTTP answer (refused, timed out, TLS failure)
    error: str | None
    duration_ms: int


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, headers: dict[str, str], body: bytes, timeout: float) -> Answer:
    """POST `body` to the target's first checked address; what came back, and how long it took."""
    kind = _PinnedHttps if target.scheme == "https" else _PinnedHttp
    connection = kind(target, target.addresses[0], timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "user-agent": "lms-webhooks/1"})
        response = connection.getresponse()
        response.read(4096)  # what a receiver says is not kept; only its status decides
        status = response.status
    except TimeoutError:
        return Answer(None, f"no answer within {timeout:g} s", _elapsed(started))
    except (OSError, http.client.HTTPException) as err:
        return Answer(None, f"{type(err).__name__}: {err}"[:MAX_ERROR_LENGTH], _elapsed(started))
    finally:
        connection.close()
    if status in range(200, 300):
        return Answer(status, None, _elapsed(started))
    if status in range(300, 400):
        return Answer(status, f"HTTP {status}: redirects are not followed", _elapsed(started))
    return Answer(status, f"HTTP {status}", _elapsed(started))


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
