"""The local gateway and accounting system take a burst of connections without resetting any.

Root cause of the random "Connection reset by peer" in the concurrency tests: socketserver listens
with a backlog of 5, and while the accepting thread waits for the GIL (moto runs in the same
process) the kernel drops or resets the connections beyond it. Reproduced here without timing:
nobody accepts, so only the listen backlog decides how many connections complete.
"""

from __future__ import annotations

import socket
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devstack.accounting.server import AccountingServer
from devstack.gateway import Gateway
from devstack.http_server import LocalHTTPServer

BURST = 100


def connections_completed(address: tuple[str, int]) -> int:
    completed = 0
    with ExitStack() as sockets:
        for _ in range(BURST):
            client = sockets.enter_context(socket.socket())
            client.settimeout(0.3)
            try:
                client.connect(address)
            except OSError:
                continue
            completed += 1
    return completed


def test_socketservers_default_backlog_refuses_a_burst():
    # The reproduction: the standard library's server completes only backlog + 1 connections.
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    try:
        assert connections_completed(server.server_address) == ThreadingHTTPServer.request_queue_size + 1
    finally:
        server.server_close()


@pytest.mark.parametrize(
    "make_server",
    [
        lambda: LocalHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler),
        lambda: AccountingServer(port=0, api_key="k")._server,
        lambda: Gateway(api=None, port=0)._server,
    ],
    ids=["LocalHTTPServer", "accounting", "gateway"],
)
def test_local_servers_complete_a_burst_of_connections(make_server):
    server = make_server()
    try:
        assert connections_completed(server.server_address) == BURST
    finally:
        server.server_close()
