"""A small thread-safe LRU cache whose entries also expire: bounded in size and in time.

The authorizer caches one entry per distinct key presented, and anyone can present any number of
distinct keys, so an unbounded cache would grow for the life of the environment.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class TtlLruCache(Generic[V]):
    def __init__(self, max_entries: int, ttl_seconds: float, now: Callable[[], float] = time.monotonic):
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._now = now
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: str, default=_MISSING):
        """The live value of `key` (marked recently used), or `default`; an expired entry is dropped."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return default
            if found[0] <= self._now():
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: str, value: V) -> None:
        if self.ttl <= 0 or self.max_entries <= 0:
            return
        with self._lock:
            now = self._now()
            self._entries[key] = (now + self.ttl, value)
            self._entries.move_to_end(key)
            # Entries are in use order, not expiry order; expired ones anywhere go on a full sweep.
            if len(self._entries) > self.max_entries:
                for stale in [k for k, (expires, _) in self._entries.items() if expires <= now]:
                    del self._entries[stale]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
