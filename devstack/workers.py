"""Background workers for the template's non-HTTP event sources: DynamoDB streams, SQS, schedules.

Each worker polls the emulator the way Lambda's event source mappings poll AWS and invokes the
function with the same event shape. Functions that later issues add are picked up from the
template with no change here.
"""

from __future__ import annotations

import threading
import traceback

from devstack.lambdas import Functions
from devstack.template import Stack


class Worker:
    def __init__(self, name: str, interval: float):
        self.name = name
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def signal_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll()
            except Exception:  # a worker must outlive one bad batch, as Lambda's pollers do
                traceback.print_exc()
                busy = False
            if not busy:
                self._stop.wait(self.interval)

    def poll(self) -> bool:
        raise NotImplementedError


# Invocations a standard queue's poller runs at once locally (Lambda scales further; two cores don't).
LOCAL_QUEUE_CONCURRENCY = 4


def start_workers(
    stack: Stack, functions: Functions, streams: dict[str, str], only: set[str] | None = None
) -> list[Worker]:
    """Start the pollers of every event source (or only those of the functions in `only`)."""
    from devstack.sources import schedule_workers, sqs_workers, stream_workers

    workers: list[Worker] = []
    workers += stream_workers(stack, functions, streams)
    workers += sqs_workers(stack, functions, LOCAL_QUEUE_CONCURRENCY)
    workers += schedule_workers(stack, functions)
    return [w.start() for w in workers if only is None or w.fn.logical_id in only]
