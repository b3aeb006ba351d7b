"""The HTTP server class of the local gateway and the local accounting system."""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5. When the accepting thread waits for the GIL (moto
    # runs in the same process), a burst of more connections than that overflows the queue and the
    # kernel resets some of them: the random "Connection reset by peer" in the concurrency tests.
    # API Gateway accepts any burst; the kernel caps this at net.core.somaxconn.
    request_queue_size = 1024
    # A request still being served does not keep the process alive at Ctrl-C.
    daemon_threads = True
