"""Independent requests made at once: one round trip, however many requests it takes.

A loan's history longer than one Query page (1 MB) is read as several Queries of page ranges side
by side, beside whatever else the operation reads, so a read's latency does not grow with the
loan's age. The boto3 client is thread-safe and keeps a connection per concurrent request
(`lms.storage.dynamo.MAX_CONCURRENT_REQUESTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from lms.storage.dynamo import MAX_CONCURRENT_REQUESTS

T = TypeVar("T")


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """The result of each call, in order; calls run side by side (a single one runs here). The first
    call to raise raises here, once all have finished."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), MAX_CONCURRENT_REQUESTS)) as pool:
        futures = [pool.submit(call) for call in calls]
    return [future.result() for future in futures]
