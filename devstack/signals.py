"""Waiting for Ctrl-C or SIGTERM in the local stack's command-line programs."""

from __future__ import annotations

import signal
import threading


def stop_requested() -> threading.Event:
    """An event set by the first SIGINT or SIGTERM; call it before starting anything.

    The handlers are installed explicitly rather than relying on Python's KeyboardInterrupt: a
    process started as a background job of a non-interactive shell (`make test &`, `nohup`, many CI
    runners) inherits SIGINT *ignored*, and Python then leaves it ignored, so Ctrl-C would never
    stop the stack. That is what hung the test suite's teardowns at random (issue 14).
    """
    requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: requested.set())
    return requested


def wait_until(requested: threading.Event) -> None:
    # Short waits: the main thread runs signal handlers between them, however loaded the machine is.
    while not requested.wait(0.5):
        pass
